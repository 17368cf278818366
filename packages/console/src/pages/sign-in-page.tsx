import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { Button, Form, Heading, Input, Label, Text, TextField } from 'react-aria-components'
import { callRoute } from '../api/call-route.js'
import { beginOidcSignIn } from '../auth/begin-oidc-sign-in.js'
import { fetchConsoleConfig } from '../auth/console-config.js'
import { sessionStore } from '../auth/session-store.js'
import { ErrorNote } from '../components/error-note.js'

/**
 * Sign-in: an API token pasted in (checked with `GET /v1/me` before it is kept), or, when the
 * server names an OIDC issuer and a client id for the console (`/console/config.json`), the
 * issuer's sign-in page.
 */
export function SignInPage() {
  const config = useQuery({ queryKey: ['console-config'], queryFn: fetchConsoleConfig })
  const [token, setToken] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [pending, setPending] = useState(false)
  const ended = sessionStore.endedBecause()
  const oidc = config.data?.oidc ?? null
  return (
    <main id="main" className="sign-in">
      <div className="card sign-in-card">
        <Heading level={1}>Sign in to Latch</Heading>
        {ended === null ? null : (
          <p className="notice" role="status">
            {ended}
          </p>
        )}
        <Form
          onSubmit={async (event) => {
            event.preventDefault()
            setPending(true)
            setError(null)
            const value = token.trim()
            try {
              // Checked before it is kept: a typo must not leave a session that fails everywhere.
              await callRoute('me', {}, value)
              sessionStore.signIn({ token: value, via: 'token' })
            } catch (failure) {
              setError(failure)
            } finally {
              setPending(false)
            }
          }}
        >
          <TextField className="field" value={token} onChange={setToken} isRequired type="password">
            <Label>API token</Label>
            <Input autoComplete="off" spellCheck={false} />
            <Text slot="description" className="muted">
              From <code>latch users add</code>, or the admin token <code>latch dev</code> prints (
              <code>LATCH_TOKEN</code>). It stays in this tab only.
            </Text>
          </TextField>
          <Button type="submit" className="button primary" isDisabled={pending}>
            {pending ? 'Checking…' : 'Sign in with the token'}
          </Button>
        </Form>
        <ErrorNote error={error} />
        {oidc === null ? null : (
          <div className="oidc">
            <p className="muted">or</p>
            <Button
              className="button primary"
              onPress={() => {
                setError(null)
                beginOidcSignIn(oidc).catch(setError)
              }}
            >
              Sign in with {new URL(oidc.issuer).host}
            </Button>
          </div>
        )}
      </div>
    </main>
  )
}
