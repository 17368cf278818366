import { hashHeaderCore } from '../hash-header-core.js'
import { parseHeaderCore } from '../header-core.js'
import { toBase64url } from '../internal/bytes.js'
import type { ShareBinding } from './protected-header.js'

/**
 * The binding a key entry must carry for share `sid` of `n` of the object whose encoded header
 * core is `coreBytes`: what a key server checks before it releases a share.
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID` or `ERR_FORMAT_VERSION_UNSUPPORTED` for a core
 *   that does not parse.
 */
export function shareBindingOf(coreBytes: Uint8Array, sid: number, n: number): ShareBinding {
  const core = parseHeaderCore(coreBytes)
  return {
    policyId: core.policyId,
    objectId: toBase64url(core.objectId),
    coreHash: toBase64url(hashHeaderCore(coreBytes)),
    sid,
    n,
  }
}
