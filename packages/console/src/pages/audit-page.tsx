import type { AuditEventsQuery } from '@latch/protocol'
import { routeLines } from '@latch/protocol/light'
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query'
import { useNavigate, useSearch } from '@tanstack/react-router'
import { useState } from 'react'
import { Button, Form, Heading, Input, Label, Text, TextField } from 'react-aria-components'
import { downloadFile } from '../api/download-file.js'
import { useApi } from '../api/use-api.js'
import { useSession } from '../auth/session-store.js'
import { AdminOnly } from '../components/admin-only.js'
import { CopyButton } from '../components/copy-button.js'
import { ErrorNote } from '../components/error-note.js'
import { EventTable } from '../components/event-table.js'
import { LocalTimeField, toInstant, toLocalInput } from '../components/local-time-field.js'
import { When } from '../components/when.js'

/** The filters of the Audit page, kept in its address. */
export type AuditSearch = Partial<
  Record<'policy' | 'actor' | 'type' | 'since' | 'until' | 'before', string>
>

const PAGE = 50

/**
 * Audit (admins, `/console/audit`): the records, newest first, 50 a page, filtered by file,
 * actor, event (or family, `policy.*`) and time (`GET /v1/audit/events`); the chain as the
 * server states it (head, signed checkpoints, the key that signs them) with what that does and
 * does not prove; and the export download, to verify offline.
 */
export function AuditPage() {
  return (
    <AdminOnly>
      <section className="stack">
        <Heading level={1}>Audit</Heading>
        <Events />
        <Chain />
      </section>
    </AdminOnly>
  )
}

function Events() {
  const search = useSearch({ from: '/audit' })
  const navigate = useNavigate({ from: '/audit' })
  const api = useApi()
  const session = useSession()
  const [draft, setDraft] = useState(() => ({
    policy: search.policy ?? '',
    actor: search.actor ?? '',
    type: search.type ?? '',
    since: search.since === undefined ? '' : toLocalInput(new Date(search.since)),
    until: search.until === undefined ? '' : toLocalInput(new Date(search.until)),
  }))
  const [pages, setPages] = useState<string[]>([])
  const [downloaded, setDownloaded] = useState<string | null>(null)
  const [downloadError, setDownloadError] = useState<unknown>(null)
  const query = { ...search, order: 'desc', limit: String(PAGE) } as AuditEventsQuery
  const events = useQuery({
    queryKey: ['audit-events', query],
    queryFn: ({ signal }) => api('auditEvents', { query }, signal),
    placeholderData: keepPreviousData,
  })
  const filters = () => {
    const since = toInstant(draft.since)
    const until = toInstant(draft.until)
    return Object.fromEntries(
      Object.entries({ ...draft, since, until }).filter(
        ([, v]) => typeof v === 'string' && v.trim() !== '',
      ),
    ) as AuditSearch
  }
  return (
    <>
      <Form
        className="card filters"
        aria-label="Filter the audit records"
        onSubmit={(event) => {
          event.preventDefault()
          setPages([])
          void navigate({ search: filters() })
        }}
      >
        <TextField
          className="field"
          value={draft.policy}
          onChange={(policy) => setDraft({ ...draft, policy })}
        >
          <Label>File (policy id)</Label>
          <Input spellCheck={false} placeholder="p-…" />
        </TextField>
        <TextField
          className="field"
          value={draft.actor}
          onChange={(actor) => setDraft({ ...draft, actor })}
        >
          <Label>Actor</Label>
          <Input spellCheck={false} placeholder="bob@example.com" />
        </TextField>
        <TextField
          className="field"
          value={draft.type}
          onChange={(type) => setDraft({ ...draft, type })}
        >
          <Label>Event</Label>
          <Input spellCheck={false} placeholder="key.release.denied or policy.*" />
        </TextField>
        <LocalTimeField
          label="Since"
          value={draft.since}
          onChange={(since) => setDraft({ ...draft, since })}
        />
        <LocalTimeField
          label="Until"
          value={draft.until}
          onChange={(until) => setDraft({ ...draft, until })}
        />
        <div className="filter-actions">
          <Button type="submit" className="button primary">
            Filter
          </Button>
        </div>
      </Form>
      <ErrorNote error={events.error} />
      {events.data === undefined ? null : (
        <>
          <EventTable events={events.data.events} caption="Audit records, newest first" />
          <nav className="pager" aria-label="Pages of records">
            <Button
              className="button"
              isDisabled={pages.length === 0}
              onPress={() => {
                const previous = pages.at(-1)
                setPages(pages.slice(0, -1))
                void navigate({
                  search: { ...search, before: previous === '' ? undefined : previous },
                })
              }}
            >
              Newer
            </Button>
            <Button
              className="button"
              isDisabled={events.data.next === null}
              onPress={() => {
                setPages([...pages, search.before ?? ''])
                void navigate({ search: { ...search, before: String(events.data?.next) } })
              }}
            >
              Older
            </Button>
          </nav>
        </>
      )}
      <section className="card" aria-labelledby="export-title">
        <Heading level={2} id="export-title">
          Export
        </Heading>
        <p>
          The audit export file (<code>latch-audit-export/1</code>, JSON Lines), the whole log or,
          with Since or Until above, the stretch between the signed checkpoints around that window.
          Verify it on a machine you trust: <code>latch audit verify --file EXPORT --key KEY</code>.
        </p>
        <div className="inline-form">
          <Button
            className="button"
            onPress={() => {
              setDownloadError(null)
              const { since, until, policy } = filters()
              const query = new URLSearchParams({
                ...(policy === undefined ? {} : { policy }),
                ...(since === undefined ? {} : { since }),
                ...(until === undefined ? {} : { until }),
              })
              downloadFile(
                query.size === 0
                  ? routeLines.auditExport.url
                  : `${routeLines.auditExport.url}?${query}`,
                session?.token ?? '',
                'latch-audit.ndjson',
              ).then(
                ({ name, bytes }) => setDownloaded(`${name}, ${bytes} bytes`),
                setDownloadError,
              )
            }}
          >
            Download the export
          </Button>
          <span className="muted" aria-live="polite">
            {downloaded === null ? '' : `Saved ${downloaded}.`}
          </span>
        </div>
        <ErrorNote error={downloadError} />
      </section>
    </>
  )
}

function Chain() {
  const api = useApi()
  const queryClient = useQueryClient()
  const [signError, setSignError] = useState<unknown>(null)
  const head = useQuery({
    queryKey: ['audit-head'],
    queryFn: ({ signal }) => api('auditHead', {}, signal),
  })
  const key = useQuery({
    queryKey: ['audit-key'],
    queryFn: ({ signal }) => api('auditKey', {}, signal),
  })
  const checkpoints = useQuery({
    queryKey: ['audit-checkpoints'],
    queryFn: ({ signal }) => api('listCheckpoints', {}, signal),
  })
  const latest = checkpoints.data?.checkpoints.slice(-5).reverse() ?? []
  return (
    <section className="card stack" aria-labelledby="chain-title">
      <Heading level={2} id="chain-title">
        Chain
      </Heading>
      <ErrorNote error={head.error ?? key.error ?? checkpoints.error ?? signError} />
      {head.data === undefined ? null : (
        <dl className="facts">
          <dt>Origin</dt>
          <dd>
            <code>{head.data.origin}</code>
          </dd>
          <dt>Records</dt>
          <dd data-testid="chain-size">{head.data.size}</dd>
          <dt>Head hash</dt>
          <dd>
            <code className="hash">{head.data.headHash}</code>
          </dd>
          <dt>Signed</dt>
          <dd>
            {head.data.signedSize} records, <When time={head.data.signedAt} fallback="never" />
          </dd>
        </dl>
      )}
      {key.data === undefined ? null : (
        <div>
          <p>
            Checkpoint key (pin it: <code>latch audit verify --key</code>):
          </p>
          <p>
            <code className="token" data-testid="verifier-key">
              {key.data.verifierKey}
            </code>
          </p>
          <CopyButton value={key.data.verifierKey} label="Copy key" />
        </div>
      )}
      <div className="table-wrap">
        <table className="table">
          <caption>Latest signed checkpoints</caption>
          <thead>
            <tr>
              <th scope="col">Records</th>
              <th scope="col">Signed</th>
            </tr>
          </thead>
          <tbody>
            {latest.map((c) => (
              <tr key={c.size + c.signedAt}>
                <td className="num">{c.size}</td>
                <td>
                  <When time={c.signedAt} />
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
            setSignError(null)
            try {
              await api('signCheckpoint', {})
              await queryClient.invalidateQueries({ queryKey: ['audit-head'] })
              await queryClient.invalidateQueries({ queryKey: ['audit-checkpoints'] })
            } catch (failure) {
              setSignError(failure)
            }
          }}
        >
          Sign a checkpoint now
        </Button>
      </div>
      <Text className="muted">
        What is verified where: this page shows the chain as the key server states it; the browser
        checks nothing. A file's report is verified by the key server, between signed checkpoints.
        Only a check on your own machine holds even if the server is not to be trusted:{' '}
        <code>latch audit verify --key KEY</code> (through the API) or{' '}
        <code>latch audit verify --file EXPORT --key KEY</code> (the export, offline), with the key
        pinned from a source you trust.
      </Text>
    </section>
  )
}
