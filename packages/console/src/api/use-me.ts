import { useQuery } from '@tanstack/react-query'
import { useSession } from '../auth/session-store.js'
import { useApi } from './use-api.js'

/**
 * Who the signed-in user is (`GET /v1/me`): email, role, how they signed in.
 *
 * @returns The query; `data` is the `MeView`.
 */
export function useMe() {
  const api = useApi()
  const session = useSession()
  return useQuery({
    queryKey: ['me', session?.token.slice(-8)],
    queryFn: ({ signal }) => api('me', {}, signal),
    enabled: session !== null,
    staleTime: 60_000,
  })
}
