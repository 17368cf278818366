/**
 * What the console reads before anyone signs in (`GET /console/config.json`): the OIDC issuer,
 * the console's client id there and the scopes to ask for, or `null` (API tokens only).
 */
export interface ConsoleConfig {
  readonly oidc: { issuer: string; clientId: string; scopes: string } | null
}

/**
 * Reads `GET /console/config.json`; a server without that route (or an error) means no OIDC.
 *
 * @returns The configuration.
 */
export async function fetchConsoleConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/console/config.json', { credentials: 'omit', cache: 'no-store' })
  if (!response.ok) return { oidc: null }
  return (await response.json()) as ConsoleConfig
}
