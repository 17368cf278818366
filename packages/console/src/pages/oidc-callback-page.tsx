import { useNavigate } from '@tanstack/react-router'
import { useEffect, useRef, useState } from 'react'
import { Heading } from 'react-aria-components'
import { callRoute } from '../api/call-route.js'
import { completeOidcSignIn } from '../auth/complete-oidc-sign-in.js'
import { sessionStore } from '../auth/session-store.js'
import { ErrorNote } from '../components/error-note.js'

/**
 * Where the OIDC issuer sends the browser back (`/console/callback?code=…&state=…`): redeems the
 * code (the address bar is cleaned first), checks the key server accepts the access token
 * (`GET /v1/me`), and signs in.
 */
export function OidcCallbackPage() {
  const [error, setError] = useState<unknown>(null)
  const started = useRef(false)
  const navigate = useNavigate()
  useEffect(() => {
    // Once: a code is good for one exchange (React runs effects twice in development).
    if (started.current) return
    started.current = true
    const address = new URL(window.location.href)
    completeOidcSignIn(address)
      .then(async (session) => {
        await callRoute('me', {}, session.token)
        sessionStore.signIn(session)
        await navigate({ to: '/', replace: true })
      })
      .catch(setError)
  }, [navigate])
  return (
    <main id="main" className="sign-in">
      <div className="card sign-in-card">
        <Heading level={1}>Signing in…</Heading>
        <ErrorNote error={error} />
        {error === null ? null : (
          <p>
            <a href="/console/">Back to the sign-in page</a>
          </p>
        )}
      </div>
    </main>
  )
}
