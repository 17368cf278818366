import { useSyncExternalStore } from 'react'

/** The signed-in user's credential, as the console keeps it. */
export interface Session {
  /** The bearer token: an API token (`latch_…`) or an OIDC access token. */
  readonly token: string
  readonly via: 'token' | 'oidc'
  /** When an OIDC access token expires (ms since the epoch); the server refuses it after. */
  readonly expiresAt?: number
}

// sessionStorage, not localStorage: the token lives as long as the tab, is not shared with other
// tabs, and goes when the tab closes. It is never put in an address, a cookie or a log.
const KEY = 'latch.session'
const listeners = new Set<() => void>()
let current: Session | null = read()
let endedBecause: string | null = null

function read(): Session | null {
  try {
    const text = sessionStorage.getItem(KEY)
    if (text === null) return null
    const value = JSON.parse(text) as Partial<Session>
    if (typeof value.token !== 'string' || (value.via !== 'token' && value.via !== 'oidc')) {
      return null
    }
    return value as Session
  } catch {
    return null
  }
}

function emit(): void {
  for (const listener of listeners) listener()
}

/**
 * The console's one session: kept in memory and in the tab's `sessionStorage` (so a reload stays
 * signed in), cleared by {@link sessionStore.signOut}.
 */
export const sessionStore = {
  get: (): Session | null => current,
  /** Why the last session ended when the server stopped accepting it (shown on the sign-in page). */
  endedBecause: (): string | null => endedBecause,
  signIn(session: Session): void {
    current = session
    endedBecause = null
    sessionStorage.setItem(KEY, JSON.stringify(session))
    emit()
  },
  signOut(reason: string | null = null): void {
    current = null
    endedBecause = reason
    sessionStorage.removeItem(KEY)
    emit()
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
}

/** The current session (re-renders when it changes). */
export function useSession(): Session | null {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get)
}
