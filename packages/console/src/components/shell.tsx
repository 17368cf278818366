import { useQueryClient } from '@tanstack/react-query'
import { Link, Outlet, useRouterState } from '@tanstack/react-router'
import { Button } from 'react-aria-components'
import { useMe } from '../api/use-me.js'
import { sessionStore, useSession } from '../auth/session-store.js'
import { OidcCallbackPage } from '../pages/oidc-callback-page.js'
import { SignInPage } from '../pages/sign-in-page.js'
import { ErrorNote } from './error-note.js'

/**
 * The frame of every page: the header with the sections the user may open (the admin ones only
 * for admins), who is signed in and a sign-out button, then the page. Without a session it shows
 * the sign-in page instead, whatever the address (`/console/callback` finishes an OIDC sign-in).
 */
export function Shell() {
  const session = useSession()
  const path = useRouterState({ select: (state) => state.location.pathname })
  const queryClient = useQueryClient()
  const me = useMe()
  if (session === null) {
    return path.endsWith('/callback') ? <OidcCallbackPage /> : <SignInPage />
  }
  const admin = me.data?.role === 'admin'
  const signOut = () => {
    sessionStore.signOut()
    queryClient.clear()
  }
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="header">
        <span className="brand">Latch</span>
        <nav aria-label="Sections">
          <ul className="nav">
            <li>
              <Link to="/" activeOptions={{ exact: true }}>
                Overview
              </Link>
            </li>
            <li>
              <Link to="/files">Files</Link>
            </li>
            {admin ? (
              <>
                <li>
                  <Link to="/incident">Incident</Link>
                </li>
                <li>
                  <Link to="/people">People</Link>
                </li>
                <li>
                  <Link to="/audit">Audit</Link>
                </li>
              </>
            ) : null}
          </ul>
        </nav>
        <div className="whoami">
          {me.data === undefined ? null : (
            <span>
              <span className="sr-only">Signed in as </span>
              <strong data-testid="whoami">{me.data.email}</strong>{' '}
              <span className="muted">
                ({me.data.role}, {session.via === 'oidc' ? 'OIDC' : 'API token'})
              </span>
            </span>
          )}
          <Button className="button" onPress={signOut}>
            Sign out
          </Button>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {me.error === null ? <Outlet /> : <ErrorNote error={me.error} />}
      </main>
    </>
  )
}
