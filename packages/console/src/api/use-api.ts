import type { RouteInput, RouteName, RouteReply, Routes } from '@latch/protocol'
import { useCallback } from 'react'
import { sessionStore, useSession } from '../auth/session-store.js'
import { ApiError } from './api-error.js'
import { callRoute } from './call-route.js'

/** A route call bound to the signed-in session. */
export type Api = <K extends RouteName>(
  name: K,
  input: RouteInput<Routes[K]>,
  signal?: AbortSignal,
) => Promise<RouteReply<Routes[K]>>

/**
 * {@link callRoute} with the current session's token. A 401 ends the session (the token expired,
 * was revoked, or its user was disabled) and brings back the sign-in page, which says why.
 *
 * @returns The bound call.
 */
export function useApi(): Api {
  const session = useSession()
  return useCallback(
    async (name, input, signal) => {
      if (session === null) {
        throw new ApiError(401, { code: 'ERR_AUTH_REQUIRED', message: 'sign in first' })
      }
      try {
        return await callRoute(name, input, session.token, signal)
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          sessionStore.signOut(
            'The key server no longer accepts this sign-in (expired, revoked or disabled). Sign in again.',
          )
        }
        throw error
      }
    },
    [session],
  )
}
