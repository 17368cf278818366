import type { PolicyView } from '@latch/protocol'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useParams } from '@tanstack/react-router'
import { useState } from 'react'
import { Heading, Input, Label, Text, TextField } from 'react-aria-components'
import { ApiError } from '../api/api-error.js'
import { useApi } from '../api/use-api.js'
import { useMe } from '../api/use-me.js'
import { ConfirmDialog } from '../components/confirm-dialog.js'
import { ErrorNote } from '../components/error-note.js'
import { EventTable } from '../components/event-table.js'
import { LocalTimeField, toInstant } from '../components/local-time-field.js'
import { PolicyState } from '../components/policy-state.js'
import { When } from '../components/when.js'
import { FileReport } from './file-report.js'

/**
 * One file (`/console/files/:policyId`): where it is in S3, its owner, readers, expiry and state;
 * for its owner and admins the changes (readers, expiry, revoke and unrevoke, each confirmed,
 * with a reason where the audit record keeps one), its trail, and its report for a window.
 * Readers see the policy only; anyone else gets "not found", as from the API.
 */
export function FilePage() {
  const { policyId } = useParams({ from: '/files/$policyId' })
  const api = useApi()
  const me = useMe()
  const queryClient = useQueryClient()
  const policy = useQuery({
    queryKey: ['policy', policyId],
    queryFn: ({ signal }) => api('getPolicy', { params: { id: policyId } }, signal),
  })
  if (policy.error !== null) {
    const missing =
      policy.error instanceof ApiError &&
      (policy.error.status === 404 || policy.error.status === 400)
    return (
      <section>
        <Heading level={1}>File {policyId}</Heading>
        {missing ? (
          <p role="alert">No such file, or it is not yours to see.</p>
        ) : (
          <ErrorNote error={policy.error} />
        )}
      </section>
    )
  }
  if (policy.data === undefined || me.data === undefined) return <p aria-busy="true">Loading…</p>
  const p = policy.data
  const mayChange = me.data.role === 'admin' || me.data.email === p.owner
  const changed = (updated: PolicyView) => {
    queryClient.setQueryData(['policy', policyId], updated)
    void queryClient.invalidateQueries({ queryKey: ['trail', policyId] })
    void queryClient.invalidateQueries({ queryKey: ['policies'] })
    void queryClient.invalidateQueries({ queryKey: ['overview'] })
  }
  return (
    <article className="stack">
      <header className="page-title">
        <Heading level={1}>
          File <code>{p.id}</code>
        </Heading>
        <PolicyState policy={p} />
      </header>
      <Summary policy={p} />
      <Locations policy={p} />
      <Readers policy={p} mayChange={mayChange} onChanged={changed} />
      {mayChange ? (
        <>
          <Expiry policy={p} onChanged={changed} />
          <Revocation policy={p} onChanged={changed} />
          <Trail policyId={p.id} />
          <FileReport policy={p} admin={me.data.role === 'admin'} />
        </>
      ) : (
        <p className="muted">
          You read this file; its owner ({p.owner}) and the admins change who else may.
        </p>
      )}
    </article>
  )
}

function Summary({ policy: p }: { policy: PolicyView }) {
  return (
    <section className="card" aria-labelledby="summary-title">
      <Heading level={2} id="summary-title">
        Policy
      </Heading>
      <dl className="facts">
        <dt>Owner</dt>
        <dd data-testid="owner">{p.owner}</dd>
        <dt>Expiry</dt>
        <dd data-testid="expiry">
          <When time={p.expiresAt} fallback="never" />
        </dd>
        <dt>Revoked</dt>
        <dd data-testid="revoked">
          {p.revoked === null ? (
            'no'
          ) : (
            <>
              by {p.revoked.by} at <When time={p.revoked.at} />
              {p.revoked.reason === null ? '' : `: ${p.revoked.reason}`}
            </>
          )}
        </dd>
        <dt>Created</dt>
        <dd>
          <When time={p.createdAt} /> by {p.createdBy}
        </dd>
        <dt>Version</dt>
        <dd>{p.version}</dd>
        <dt>Labels</dt>
        <dd>
          {Object.keys(p.labels).length === 0
            ? 'none'
            : Object.entries(p.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}
        </dd>
      </dl>
    </section>
  )
}

function Locations({ policy: p }: { policy: PolicyView }) {
  return (
    <section className="card" aria-labelledby="locations-title">
      <Heading level={2} id="locations-title">
        Where it is
      </Heading>
      {p.objects.length === 0 ? (
        <p className="muted">
          No object registered yet (a file encrypted locally, or not uploaded).
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">S3 locations of the file's objects</caption>
            <thead>
              <tr>
                <th scope="col">Location</th>
                <th scope="col">Object</th>
                <th scope="col">Registered</th>
              </tr>
            </thead>
            <tbody>
              {p.objects.map((o) => (
                <tr key={`${o.objectId} ${o.bucket} ${o.key}`}>
                  <td>
                    {o.bucket === null ? (
                      <span className="muted">no S3 location</span>
                    ) : (
                      <code>
                        s3://{o.bucket}/{o.key}
                      </code>
                    )}
                  </td>
                  <td>
                    <code>{o.objectId}</code>
                  </td>
                  <td>
                    <When time={o.registeredAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function Readers({
  policy: p,
  mayChange,
  onChanged,
}: {
  policy: PolicyView
  mayChange: boolean
  onChanged: (policy: PolicyView) => void
}) {
  const api = useApi()
  const [reader, setReader] = useState('')
  const candidate = reader.trim().toLowerCase()
  return (
    <section className="card" aria-labelledby="readers-title">
      <Heading level={2} id="readers-title">
        Readers
      </Heading>
      {p.readers.length === 0 ? (
        <p className="muted">Nobody but the owner.</p>
      ) : (
        <ul className="readers" aria-label="Readers">
          {p.readers.map((r) => (
            <li key={r}>
              <span>{r}</span>
              {mayChange ? (
                <ConfirmDialog
                  trigger="Remove"
                  triggerName={`Remove reader ${r}`}
                  title={`Remove ${r}?`}
                  confirmLabel="Remove reader"
                  tone="danger"
                  onConfirm={async () =>
                    onChanged(
                      await api('changeReaders', {
                        params: { id: p.id },
                        body: { remove: [r] },
                      }),
                    )
                  }
                >
                  <p>
                    {r} gets no key of this file from the next request on. A copy they decrypted
                    before stays with them.
                  </p>
                </ConfirmDialog>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {mayChange ? (
        <div className="inline-form">
          <TextField className="field" value={reader} onChange={setReader}>
            <Label>New reader</Label>
            <Input placeholder="bob@example.com or *@example.com" />
            <Text slot="description" className="muted">
              An email, or <code>*@domain</code> for everyone at that domain.
            </Text>
          </TextField>
          {candidate === '' ? null : (
            <ConfirmDialog
              trigger="Add reader"
              title={`Share with ${candidate}?`}
              confirmLabel="Add reader"
              onConfirm={async () => {
                onChanged(
                  await api('changeReaders', {
                    params: { id: p.id },
                    body: { add: [candidate] },
                  }),
                )
                setReader('')
              }}
            >
              <p>
                {candidate} may obtain the key of this file from now on, until removed, expired or
                revoked.
              </p>
            </ConfirmDialog>
          )}
        </div>
      ) : null}
    </section>
  )
}

function Expiry({
  policy: p,
  onChanged,
}: {
  policy: PolicyView
  onChanged: (policy: PolicyView) => void
}) {
  const api = useApi()
  const [when, setWhen] = useState('')
  const instant = toInstant(when)
  return (
    <section className="card" aria-labelledby="expiry-title">
      <Heading level={2} id="expiry-title">
        Expiry
      </Heading>
      <p>
        {p.expiresAt === null ? (
          'No expiry: the key is released until the policy changes.'
        ) : (
          <>
            No key is released after <When time={p.expiresAt} />, to anyone, the owner included.
          </>
        )}
      </p>
      <div className="inline-form">
        <LocalTimeField
          label="New expiry (your local time)"
          value={when}
          onChange={setWhen}
          description="A time in the past ends access at once."
        />
        {instant === undefined ? null : (
          <ConfirmDialog
            trigger="Set expiry"
            title="Set the expiry?"
            confirmLabel="Set expiry"
            onConfirm={async () => {
              onChanged(
                await api('setExpiry', { params: { id: p.id }, body: { expiresAt: instant } }),
              )
              setWhen('')
            }}
          >
            <p>
              No key of this file after <When time={instant} /> ({instant}).
            </p>
          </ConfirmDialog>
        )}
        {p.expiresAt === null ? null : (
          <ConfirmDialog
            trigger="Clear expiry"
            title="Clear the expiry?"
            confirmLabel="Clear expiry"
            onConfirm={async () =>
              onChanged(await api('setExpiry', { params: { id: p.id }, body: { expiresAt: null } }))
            }
          >
            <p>The owner and readers get the key again with no end date.</p>
          </ConfirmDialog>
        )}
      </div>
    </section>
  )
}

function Revocation({
  policy: p,
  onChanged,
}: {
  policy: PolicyView
  onChanged: (policy: PolicyView) => void
}) {
  const api = useApi()
  const reasonBody = (reason: string | undefined) => (reason === undefined ? {} : { reason })
  return (
    <section className="card" aria-labelledby="revocation-title">
      <Heading level={2} id="revocation-title">
        Revocation
      </Heading>
      {p.revoked === null ? (
        <>
          <p>Revoking stops every key request of this file at once, the owner's too.</p>
          <ConfirmDialog
            trigger="Revoke"
            title="Revoke this file?"
            confirmLabel="Revoke"
            tone="danger"
            reason="optional"
            onConfirm={async (reason) =>
              onChanged(
                await api('revokePolicy', { params: { id: p.id }, body: reasonBody(reason) }),
              )
            }
          >
            <p>
              Nobody obtains the key of <code>{p.id}</code> until it is unrevoked, the owner
              included. The reason goes into the audit log.
            </p>
          </ConfirmDialog>
        </>
      ) : (
        <>
          <p>Unrevoking restores exactly the readers and expiry the file had.</p>
          <ConfirmDialog
            trigger="Unrevoke"
            title="Unrevoke this file?"
            confirmLabel="Unrevoke"
            reason="optional"
            onConfirm={async (reason) =>
              onChanged(
                await api('unrevokePolicy', {
                  params: { id: p.id },
                  body: reasonBody(reason),
                }),
              )
            }
          >
            <p>The owner and readers get the key again, as before the revocation.</p>
          </ConfirmDialog>
        </>
      )}
    </section>
  )
}

function Trail({ policyId }: { policyId: string }) {
  const api = useApi()
  const trail = useQuery({
    queryKey: ['trail', policyId],
    queryFn: ({ signal }) =>
      api('auditEvents', { query: { policy: policyId, limit: '1000' } }, signal),
  })
  return (
    <section className="card" aria-labelledby="trail-title">
      <Heading level={2} id="trail-title">
        Trail
      </Heading>
      <ErrorNote error={trail.error} />
      {trail.data === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <>
          <EventTable
            events={trail.data.events}
            caption="Every audit record of this file, oldest first"
            linkPolicies={false}
          />
          {trail.data.next === null ? null : (
            <p className="muted">The first 1,000 records; the Audit page pages through the rest.</p>
          )}
        </>
      )}
    </section>
  )
}
