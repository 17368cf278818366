import * as oauth from 'oauth4webapi'
import { PENDING_OIDC_KEY, type PendingOidcSignIn } from './begin-oidc-sign-in.js'
import { discoverIssuer, requestOptionsFor } from './discover-issuer.js'
import type { Session } from './session-store.js'

/**
 * Finishes an OIDC sign-in on `/console/callback`: takes the `code` and `state` out of the
 * address bar at once (so no copy of the address, history entry or screenshot holds them),
 * checks the state, redeems the code with the PKCE verifier at the token endpoint, and checks the
 * ID token (issuer, audience, nonce).
 *
 * @param address The callback address, with its query.
 * @returns The session to sign in with: the access token, which the key server verifies.
 * @throws Error when no sign-in was started in this tab, or the issuer refuses.
 */
export async function completeOidcSignIn(address: URL): Promise<Session> {
  window.history.replaceState(null, '', '/console/')
  const stored = sessionStorage.getItem(PENDING_OIDC_KEY)
  sessionStorage.removeItem(PENDING_OIDC_KEY)
  if (stored === null) throw new Error('no sign-in was started in this tab: start again')
  const pending = JSON.parse(stored) as PendingOidcSignIn
  const issuer = new URL(pending.issuer)
  const as = await discoverIssuer(issuer)
  const client: oauth.Client = { client_id: pending.clientId }
  const parameters = oauth.validateAuthResponse(as, client, address, pending.state)
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    parameters,
    pending.redirectUri,
    pending.codeVerifier,
    requestOptionsFor(issuer),
  )
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  })
  return {
    token: result.access_token,
    via: 'oidc',
    ...(result.expires_in === undefined
      ? {}
      : { expiresAt: Date.now() + result.expires_in * 1000 }),
  }
}
