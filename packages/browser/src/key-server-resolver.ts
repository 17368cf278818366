import {
  combineShares,
  exportX25519PublicJwk,
  generateX25519KeyPair,
  type Header,
  type KeyResolver,
  openShare,
  shareBindingOf,
} from '@latch/format/web'
import type { RewrapResult } from '@latch/protocol'
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
 * A {@link KeyResolver} for the browser: each share of the object is re-wrapped by the key server
 * (`POST /v1/rewrap`) to a fresh non-extractable X25519 key made for this object, opened and
 * checked against the object's binding, then combined. Every refusal is `ERR_BROWSER_ACCESS_DENIED`.
 */
export function keyServerResolver(access: KeyServerAccess): KeyResolver {
  const send = access.fetch ?? globalThis.fetch.bind(globalThis)
  const base = access.keyServer.replace(/\/+$/, '')
  return async (header: Header, options) => {
    const n = header.entries[0]?.n ?? 0
    const core = base64url(header.coreBytes)
    const throwaway = await generateX25519KeyPair()
    const clientKey = { ...(await exportX25519PublicJwk(throwaway.publicKey)), kid: 'browser' }
    const shares: Uint8Array[] = []
    try {
      for (let sid = 1; sid <= n; sid++) {
        const entry = header.entries.find((e) => e.sid === sid)
        if (entry === undefined) throw denied(`no entry for share ${sid}`)
        const answer = await send(`${base}/v1/rewrap`, {
          method: 'POST',
          headers: { authorization: `Bearer ${access.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ core, jwe: entry.jwe, clientKey }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        })
        if (!answer.ok) throw denied(`the key server answered ${answer.status}`)
        const { jwe } = (await answer.json()) as RewrapResult
        const binding = await shareBindingOf(header.coreBytes, sid, n)
        shares.push(await openShare(jwe, throwaway.privateKey, binding))
      }
      return combineShares(shares)
    } finally {
      for (const share of shares) share.fill(0)
    }
  }
}

function denied(message: string): BrowserError {
  return new BrowserError('ERR_BROWSER_ACCESS_DENIED', `access denied: ${message}`)
}

function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
