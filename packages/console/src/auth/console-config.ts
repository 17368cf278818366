import type { ConsoleConfigView } from '@latch/protocol'

/**
 * Reads `GET /console/config.json` (public): the OIDC issuer, the console's client id there and
 * the scopes to ask for, or `oidc: null` (API tokens only). A server that does not answer it
 * offers API tokens only.
 *
 * @returns The configuration.
 */
export async function fetchConsoleConfig(): Promise<ConsoleConfigView> {
  const response = await fetch('/console/config.json', { credentials: 'omit', cache: 'no-store' })
  if (!response.ok) return { oidc: null }
  return (await response.json()) as ConsoleConfigView
}
