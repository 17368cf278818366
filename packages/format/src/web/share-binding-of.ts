import { parseHeaderCore } from '../header-core.js'
import { encodeBase64url } from '../internal/base64url.js'
import type { ShareBinding } from '../jwe/protected-header.js'
import { sha256 } from './subtle.js'

/**
 * The binding a key entry must carry for share `sid` of `n` of the object whose encoded header
 * core is `coreBytes` (web build).
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID` or `ERR_FORMAT_VERSION_UNSUPPORTED`.
 */
export async function shareBindingOf(
  coreBytes: Uint8Array,
  sid: number,
  n: number,
): Promise<ShareBinding> {
  const core = parseHeaderCore(coreBytes)
  return {
    policyId: core.policyId,
    objectId: encodeBase64url(core.objectId),
    coreHash: encodeBase64url(await sha256(coreBytes)),
    sid,
    n,
  }
}
