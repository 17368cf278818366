import { createHash } from 'node:crypto'
import { FormatError, importX25519PublicKey, parseCompactJwe, parseHeaderCore } from '@latch/format'
import { ServerError } from '../errors.js'
import type { ReleaseRequest } from './release-share.js'

/** A key request as it arrives (already schema-checked): base64url core, compact JWE, client key. */
export interface ReleaseRequestBody {
  readonly core: string
  readonly jwe: string
  readonly clientKey: {
    readonly kty: string
    readonly crv: string
    readonly x: string
    readonly kid?: string
  }
}

/**
 * Parses a key request strictly: the header core and the JWE under the format's profile, and
 * the client's X25519 key. All of this is public information a client can check itself, so a
 * malformed request is answered 400, not with the uniform denial.
 *
 * @throws ServerError `ERR_REQUEST_INVALID` naming the malformed part.
 */
export function parseReleaseRequest(body: ReleaseRequestBody): ReleaseRequest {
  const coreBytes = Buffer.from(body.core, 'base64url')
  if (coreBytes.toString('base64url') !== body.core)
    throw invalid('core is not canonical base64url')
  const core = reword(() => parseHeaderCore(coreBytes), 'core')
  const jwe = reword(() => parseCompactJwe(body.jwe), 'jwe')
  const { kty, crv, x } = body.clientKey
  if (kty !== 'OKP' || crv !== 'X25519') throw invalid('clientKey must be an X25519 public JWK')
  const clientKey = reword(() => importX25519PublicKey({ kty, crv, x }), 'clientKey')
  return {
    coreBytes,
    core,
    jwe,
    clientKey,
    clientKid: body.clientKey.kid ?? 'client',
    clientKeyThumbprint: createHash('sha256')
      .update(`{"crv":"X25519","kty":"OKP","x":"${x}"}`)
      .digest('base64url'),
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
