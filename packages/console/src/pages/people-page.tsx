import type { MintedToken, UserView } from '@latch/protocol'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import {
  Button,
  Checkbox,
  Form,
  Heading,
  Input,
  Label,
  Text,
  TextField,
} from 'react-aria-components'
import { useApi } from '../api/use-api.js'
import { AdminOnly } from '../components/admin-only.js'
import { ConfirmDialog } from '../components/confirm-dialog.js'
import { ErrorNote } from '../components/error-note.js'
import { SecretOnce } from '../components/secret-once.js'
import { When } from '../components/when.js'

/**
 * People (admins, `/console/people`): the users, creating one (its first token shown once, with
 * a copy button), disabling one (all its tokens stop at once), and each user's tokens: mint one
 * (shown once) or revoke one.
 */
export function PeoplePage() {
  const api = useApi()
  const [selected, setSelected] = useState<string | null>(null)
  const [minted, setMinted] = useState<MintedToken | null>(null)
  const users = useQuery({
    queryKey: ['users'],
    queryFn: ({ signal }) => api('listUsers', {}, signal),
  })
  return (
    <AdminOnly>
      <section className="stack">
        <Heading level={1}>People</Heading>
        {minted === null ? null : <SecretOnce minted={minted} onDismiss={() => setMinted(null)} />}
        <CreateUser onCreated={setMinted} />
        <ErrorNote error={users.error} />
        <UserTable users={users.data?.users ?? []} onTokens={setSelected} />
        {selected === null ? null : (
          <Tokens email={selected} onMinted={setMinted} onClose={() => setSelected(null)} />
        )}
      </section>
    </AdminOnly>
  )
}

function CreateUser({ onCreated }: { onCreated: (minted: MintedToken) => void }) {
  const api = useApi()
  const queryClient = useQueryClient()
  const [email, setEmail] = useState('')
  const [admin, setAdmin] = useState(false)
  const [service, setService] = useState(false)
  const [subject, setSubject] = useState('')
  const [error, setError] = useState<unknown>(null)
  return (
    <Form
      className="card stack"
      aria-labelledby="create-title"
      onSubmit={async (event) => {
        event.preventDefault()
        setError(null)
        try {
          const minted = await api('createUser', {
            body: {
              email: email.trim(),
              ...(admin ? { admin: true } : {}),
              ...(service ? { mayAssignOwner: true } : {}),
              ...(subject.trim() === '' ? {} : { oidcSubject: subject.trim() }),
            },
          })
          onCreated(minted)
          setEmail('')
          setAdmin(false)
          setService(false)
          setSubject('')
          await queryClient.invalidateQueries({ queryKey: ['users'] })
        } catch (failure) {
          setError(failure)
        }
      }}
    >
      <Heading level={2} id="create-title">
        Add a user
      </Heading>
      <div className="inline-form">
        <TextField className="field" value={email} onChange={setEmail} isRequired type="email">
          <Label>Email</Label>
          <Input spellCheck={false} />
        </TextField>
        <TextField className="field" value={subject} onChange={setSubject}>
          <Label>OIDC subject (optional)</Label>
          <Input spellCheck={false} />
          <Text slot="description" className="muted">
            Links the user to that account at the server's OIDC issuer.
          </Text>
        </TextField>
      </div>
      <div className="inline-form">
        <Checkbox className="checkbox" isSelected={admin} onChange={setAdmin}>
          <span className="checkbox-box" aria-hidden="true" />
          Admin
        </Checkbox>
        <Checkbox className="checkbox" isSelected={service} onChange={setService}>
          <span className="checkbox-box" aria-hidden="true" />
          Service account (may name other owners)
        </Checkbox>
      </div>
      <div className="inline-form">
        <Button type="submit" className="button primary">
          Add user
        </Button>
      </div>
      <ErrorNote error={error} />
    </Form>
  )
}

function UserTable({
  users,
  onTokens,
}: {
  users: readonly UserView[]
  onTokens: (email: string) => void
}) {
  const api = useApi()
  const queryClient = useQueryClient()
  return (
    <div className="table-wrap card">
      <table className="table" data-testid="users">
        <caption>Users</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">OIDC account</th>
            <th scope="col">Created</th>
            <th scope="col">State</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.email}>
              <td>{user.email}</td>
              <td>
                {user.role}
                {user.mayAssignOwner ? ', service' : ''}
              </td>
              <td>
                {user.oidc === null ? (
                  <span className="muted">—</span>
                ) : (
                  <code>{user.oidc.subject}</code>
                )}
              </td>
              <td>
                <When time={user.createdAt} />
              </td>
              <td>
                {user.disabledAt === null ? (
                  'active'
                ) : (
                  <>
                    disabled <When time={user.disabledAt} />
                  </>
                )}
              </td>
              <td className="actions">
                <Button
                  className="button"
                  aria-label={`Tokens of ${user.email}`}
                  onPress={() => onTokens(user.email)}
                >
                  Tokens
                </Button>
                {user.disabledAt === null ? (
                  <ConfirmDialog
                    trigger="Disable"
                    triggerName={`Disable ${user.email}`}
                    title={`Disable ${user.email}?`}
                    confirmLabel="Disable"
                    tone="danger"
                    onConfirm={async () => {
                      await api('disableUser', { params: { email: user.email } })
                      await queryClient.invalidateQueries({ queryKey: ['users'] })
                    }}
                  >
                    <p>
                      Every token of {user.email} stops working at once. Their files keep their
                      policies.
                    </p>
                  </ConfirmDialog>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function Tokens({
  email,
  onMinted,
  onClose,
}: {
  email: string
  onMinted: (minted: MintedToken) => void
  onClose: () => void
}) {
  const api = useApi()
  const queryClient = useQueryClient()
  const [error, setError] = useState<unknown>(null)
  const tokens = useQuery({
    queryKey: ['tokens', email],
    queryFn: ({ signal }) => api('listTokens', { query: { email } }, signal),
  })
  return (
    <section className="card stack" aria-labelledby="tokens-title">
      <Heading level={2} id="tokens-title">
        Tokens of {email}
      </Heading>
      <ErrorNote error={tokens.error ?? error} />
      <div className="table-wrap">
        <table className="table" data-testid="tokens">
          <caption className="sr-only">API tokens of {email}</caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Created</th>
              <th scope="col">Minted by</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {tokens.data?.tokens.map((token) => (
              <tr key={token.id}>
                <td>
                  <code>{token.id}</code>
                </td>
                <td>
                  <When time={token.createdAt} />
                </td>
                <td>{token.mintedBy ?? 'unknown'}</td>
                <td>
                  {token.revokedAt === null ? (
                    <ConfirmDialog
                      trigger="Revoke"
                      triggerName={`Revoke token ${token.id}`}
                      title={`Revoke token ${token.id}?`}
                      confirmLabel="Revoke token"
                      tone="danger"
                      onConfirm={async () => {
                        await api('revokeToken', { params: { id: token.id } })
                        await queryClient.invalidateQueries({ queryKey: ['tokens', email] })
                      }}
                    >
                      <p>Requests with this token are refused from now on.</p>
                    </ConfirmDialog>
                  ) : (
                    <>
                      revoked <When time={token.revokedAt} />
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="inline-form">
        <Button
          className="button"
          onPress={async () => {
            setError(null)
            try {
              onMinted(await api('mintToken', { body: { email } }))
              await queryClient.invalidateQueries({ queryKey: ['tokens', email] })
            } catch (failure) {
              setError(failure)
            }
          }}
        >
          Mint a token for {email}
        </Button>
        <Button className="button" onPress={onClose}>
          Close
        </Button>
      </div>
    </section>
  )
}
