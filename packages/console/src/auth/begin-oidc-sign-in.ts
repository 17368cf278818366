import type { ConsoleConfigView } from '@latch/protocol'
import * as oauth from 'oauth4webapi'
import { discoverIssuer } from './discover-issuer.js'

/** What the console keeps between leaving for the issuer and coming back (sessionStorage). */
export interface PendingOidcSignIn {
  readonly issuer: string
  readonly clientId: string
  readonly redirectUri: string
  readonly state: string
  readonly nonce: string
  readonly codeVerifier: string
}

/** The sessionStorage key of {@link PendingOidcSignIn}. */
export const PENDING_OIDC_KEY = 'latch.oidc.pending'

/**
 * Starts an OIDC sign-in: the authorization code flow with PKCE (S256) for a public client (no
 * secret in a browser). Keeps the code verifier, state and nonce in this tab's sessionStorage and
 * sends the browser to the issuer's authorization endpoint; the issuer sends it back to
 * `/console/callback`, where {@link completeOidcSignIn} finishes.
 *
 * @param oidc The console's OIDC settings from `/console/config.json`.
 */
export async function beginOidcSignIn(oidc: NonNullable<ConsoleConfigView['oidc']>): Promise<void> {
  const issuer = new URL(oidc.issuer)
  const as = await discoverIssuer(issuer)
  if (as.authorization_endpoint === undefined) {
    throw new Error(`${oidc.issuer} publishes no authorization endpoint`)
  }
  const pending: PendingOidcSignIn = {
    issuer: oidc.issuer,
    clientId: oidc.clientId,
    redirectUri: new URL('/console/callback', window.location.origin).href,
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
  }
  const target = new URL(as.authorization_endpoint)
  target.searchParams.set('client_id', pending.clientId)
  target.searchParams.set('redirect_uri', pending.redirectUri)
  target.searchParams.set('response_type', 'code')
  target.searchParams.set('scope', oidc.scopes)
  target.searchParams.set('state', pending.state)
  target.searchParams.set('nonce', pending.nonce)
  target.searchParams.set(
    'code_challenge',
    await oauth.calculatePKCECodeChallenge(pending.codeVerifier),
  )
  target.searchParams.set('code_challenge_method', 'S256')
  sessionStorage.setItem(PENDING_OIDC_KEY, JSON.stringify(pending))
  window.location.assign(target.href)
}
