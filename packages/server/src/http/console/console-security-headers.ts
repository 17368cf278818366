import type { ServerConfig } from '../../config/server-config.js'

/**
 * The headers of every `/console` answer. The Content-Security-Policy allows only the console's
 * own files (no inline script or style, no `eval`, no frame, no plug-in) and network calls to
 * this server and, when OIDC is configured, to its issuer (discovery and the token endpoint are
 * called from the browser). The page sends no referrer, so no address that held an
 * authorization code reaches another site.
 *
 * @param config The server's configuration (its OIDC issuer, if any).
 * @returns Header names and values.
 */
export function consoleSecurityHeaders(config: Pick<ServerConfig, 'oidc'>): Record<string, string> {
  const connect = ["'self'"]
  if (config.oidc !== undefined) connect.push(new URL(config.oidc.issuer).origin)
  const policy = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
  return {
    'content-security-policy': policy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  }
}
