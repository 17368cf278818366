import * as oauth from 'oauth4webapi'

/** Plain-HTTP issuers are accepted on loopback only (a provider on this machine, for trying out). */
export function isLoopbackHttp(url: URL): boolean {
  return (
    url.protocol === 'http:' &&
    (url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\./.test(url.hostname))
  )
}

/** Options oauth4webapi needs for an issuer: plain HTTP is allowed on loopback only. */
export function requestOptionsFor(issuer: URL): { [oauth.allowInsecureRequests]?: boolean } {
  return isLoopbackHttp(issuer) ? { [oauth.allowInsecureRequests]: true } : {}
}

/**
 * Reads the issuer's OpenID Connect discovery document (`/.well-known/openid-configuration`),
 * checking that it names the same issuer.
 *
 * @param issuer The issuer URL the key server is configured with.
 * @returns The authorization server's metadata.
 */
export async function discoverIssuer(issuer: URL): Promise<oauth.AuthorizationServer> {
  const response = await oauth.discoveryRequest(issuer, {
    algorithm: 'oidc',
    ...requestOptionsFor(issuer),
  })
  return oauth.processDiscoveryResponse(issuer, response)
}
