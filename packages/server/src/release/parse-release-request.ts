import { FormatError, parseCompactJwe, parseHeaderCore } from '@latch/format'
import type { RewrapRequest } from '@latch/protocol'
import { ServerError } from '../errors.js'
import type { ClientKey } from './parse-client-key.js'
import type { ReleaseRequest } from './release-share.js'

/**
 * Parses one key request strictly: the header core and the JWE under the format's profile. All
 * of this is public information a client can check itself, so a malformed request is answered
 * 400, not with the uniform denial. Then prepares the re-wrap of its share to the client's key
 * (an ephemeral key of its own), so that a permit can no longer fail to be delivered.
 *
 * @param body - the core and the JWE, as they arrive (already schema-checked).
 * @param clientKey - the client's key, from `parseClientKey` (one per request or batch).
 * @throws ServerError `ERR_REQUEST_INVALID` naming the malformed part.
 */
export function parseReleaseRequest(body: RewrapRequest, clientKey: ClientKey): ReleaseRequest {
  const coreBytes = Buffer.from(body.core, 'base64url')
  if (coreBytes.toString('base64url') !== body.core)
    throw invalid('core is not canonical base64url')
  const core = reword(() => parseHeaderCore(coreBytes), 'core')
  const jwe = reword(() => parseCompactJwe(body.jwe), 'jwe')
  return {
    coreBytes,
    core,
    jwe,
    rewrap: clientKey.prepareRewrap(),
    clientKeyThumbprint: clientKey.thumbprint,
  }
}

function reword<T>(parse: () => T, part: string): T {
  try {
    return parse()
  } catch (error) {
    if (error instanceof FormatError) throw invalid(`${part}: ${error.message}`, error)
    throw error
  }
}

function invalid(message: string, cause?: unknown): ServerError {
  return new ServerError('ERR_REQUEST_INVALID', message, { cause })
}
