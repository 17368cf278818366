import {
  KeyServerClient,
  KeyServerError,
  keyServerResolver as webResolver,
} from '@latch/client/web'
import type { KeyResolver } from '@latch/format/web'
import { BrowserError } from './browser-error.js'

/** Where and as whom the browser asks for keys. */
export interface KeyServerAccess {
  /** The key server's base URL (its CORS configuration must list the page's origin). */
  readonly keyServer: string
  /** An API token or the signed-in user's OIDC access token. */
  readonly token: string
  readonly fetch?: typeof fetch
}

/**
 * A {@link KeyResolver} for the browser: `@latch/client/web`'s resolver (each share re-wrapped by
 * the key server to a fresh non-extractable X25519 key, opened, checked against the object's
 * binding and combined) on one key server, whatever `kasId` the object's entries name. A refusal
 * of the key server is `ERR_BROWSER_ACCESS_DENIED`.
 */
export function keyServerResolver(access: KeyServerAccess): KeyResolver {
  const client = new KeyServerClient({
    server: access.keyServer,
    token: access.token,
    ...(access.fetch === undefined ? {} : { fetch: access.fetch }),
  })
  return async (header, options) => {
    const servers = Object.fromEntries(header.entries.map((e) => [e.kasId, client]))
    try {
      return await webResolver(servers)(header, options)
    } catch (error) {
      if (error instanceof KeyServerError && error.status < 500) {
        throw new BrowserError('ERR_BROWSER_ACCESS_DENIED', 'access denied', { cause: error })
      }
      throw error
    }
  }
}
