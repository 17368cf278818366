import { ServerError } from '../errors.js'
import { hashApiToken, TOKEN_PREFIX } from '../identity/api-token.js'
import type { Store } from '../store/store.js'
import type { Identity } from './identity.js'
import type { OidcVerifier } from './oidc-verifier.js'

/**
 * Turns an `Authorization` header into an {@link Identity}: a Latch API token (looked up by its
 * SHA-256, so no secret is compared byte by byte), or a bearer JWT from the configured OIDC
 * issuer.
 *
 * An API token's identity names who minted it when that was someone other than its user
 * (`mintedBy`: an admin, `system`, or `unknown`). An OIDC caller is the user its (verified,
 * lower-cased) identity claim names, with the role `user`; it takes a built-in user's role and
 * `mayAssignOwner` only when an admin linked that user to the token's issuer and subject. An email
 * match alone grants no role: a token whose email is a built-in user's linked to another account
 * is refused, as is one whose email is a disabled user's.
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
    const { mintedBy } = found.token
    return {
      email: found.user.email,
      role: found.user.role,
      mayAssignOwner: found.user.mayAssignOwner,
      scheme: 'token',
      tokenId: found.token.id,
      issuer: undefined,
      mintedBy: mintedBy === found.user.email ? undefined : (mintedBy ?? 'unknown'),
    }
  }
  if (oidc === undefined) throw invalidToken()
  const claims = await oidc.verify(token)
  const user = await store.findUser(claims.email)
  if (user?.disabledAt !== undefined) throw invalidToken()
  const link = user?.oidc
  if (link !== undefined && (link.issuer !== claims.issuer || link.subject !== claims.subject)) {
    // The user is another OIDC account: this one claims the user's email.
    throw invalidToken()
  }
  // Only a linked user lends its role: the identity provider vouches for an email, not a role.
  const linked = link === undefined ? undefined : user
  return {
    email: claims.email,
    role: linked?.role ?? 'user',
    mayAssignOwner: linked?.mayAssignOwner ?? false,
    scheme: 'oidc',
    tokenId: claims.tokenId,
    issuer: claims.issuer,
    mintedBy: undefined,
  }
}

function invalidToken(): ServerError {
  return new ServerError('ERR_AUTH_INVALID', 'invalid bearer token')
}
