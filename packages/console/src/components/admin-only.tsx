import type { ReactNode } from 'react'
import { useMe } from '../api/use-me.js'
import { NotFoundPage } from '../pages/not-found-page.js'

/**
 * Renders an admin page for admins only; anyone else gets the not-found page, as the API
 * treats them (the page's data would be refused anyway).
 */
export function AdminOnly({ children }: { children: ReactNode }) {
  const me = useMe()
  if (me.data === undefined) return <p aria-busy="true">Loading…</p>
  return me.data.role === 'admin' ? children : <NotFoundPage />
}
