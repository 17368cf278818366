import { ServerError } from '../errors.js'
import { hashApiToken, TOKEN_PREFIX } from '../identity/api-token.js'
import type { Store } from '../store/store.js'
import type { Identity } from './identity.js'
import type { OidcVerifier } from './oidc-verifier.js'

/**
 * Turns an `Authorization` header into an {@link Identity}: a Latch API token (looked up by its
 * SHA-256, so no secret is compared byte by byte), or a bearer JWT from the configured OIDC
 * issuer, whose email takes the role of the built-in user of that email, if any.
 *
 * @throws ServerError `ERR_AUTH_REQUIRED` without a bearer token; `ERR_AUTH_INVALID` for any token
 *   that does not authenticate an enabled user (one code whatever the reason).
 */
export async function authenticate(
  header: string | undefined,
  store: Store,
  oidc: OidcVerifier | undefined,
): Promise<Identity> {
  if (header === undefined || header === '') {
    throw new ServerError('ERR_AUTH_REQUIRED', 'a bearer token is required')
  }
  const match = /^Bearer ([\x21-\x7e]{1,8192})$/i.exec(header)
  const token = match?.[1]
  if (token === undefined) throw invalidToken()
  if (token.startsWith(TOKEN_PREFIX)) {
    const found = await store.findLiveToken(hashApiToken(token))
    if (found === undefined) throw invalidToken()
    return {
      email: found.user.email,
      role: found.user.role,
      mayAssignOwner: found.user.mayAssignOwner,
      scheme: 'token',
      tokenId: found.token.id,
      issuer: undefined,
    }
  }
  if (oidc === undefined) throw invalidToken()
  const claims = await oidc.verify(token)
  const user = await store.findUser(claims.email)
  if (user?.disabledAt !== undefined) throw invalidToken()
  return {
    email: claims.email,
    role: user?.role ?? 'user',
    mayAssignOwner: user?.mayAssignOwner ?? false,
    scheme: 'oidc',
    tokenId: claims.tokenId,
    issuer: claims.issuer,
  }
}

function invalidToken(): ServerError {
  return new ServerError('ERR_AUTH_INVALID', 'invalid bearer token')
}
