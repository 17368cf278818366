import type { PolicyView } from '@latch/protocol'
import { routeLines } from '@latch/protocol/light'
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { Button, Form, Heading } from 'react-aria-components'
import { downloadFile } from '../api/download-file.js'
import { useApi } from '../api/use-api.js'
import { useSession } from '../auth/session-store.js'
import { ErrorNote } from '../components/error-note.js'
import { EventTable } from '../components/event-table.js'
import { LocalTimeField, toInstant, toLocalInput } from '../components/local-time-field.js'
import { When } from '../components/when.js'

/**
 * The file's report for a window (`GET /v1/policies/:id/report`), as `latch audit report` gives
 * it: the conclusion, the stretch of the chain the key server verified for it (between the
 * signed checkpoints around the window), releases per recipient, denials per reason, and the
 * file's records in the window. Admins also download the export of that stretch, to verify it
 * offline with `latch audit verify --file` and the pinned key.
 */
export function FileReport({ policy, admin }: { policy: PolicyView; admin: boolean }) {
  const api = useApi()
  const session = useSession()
  const [since, setSince] = useState(() => toLocalInput(new Date(policy.createdAt)))
  const [until, setUntil] = useState('')
  const [asked, setAsked] = useState<{ since?: string; until?: string } | null>(null)
  const [downloadError, setDownloadError] = useState<unknown>(null)
  const [downloaded, setDownloaded] = useState<string | null>(null)
  const report = useQuery({
    queryKey: ['report', policy.id, asked],
    queryFn: ({ signal }) =>
      api('fileReport', { params: { id: policy.id }, query: asked ?? {} }, signal),
    enabled: asked !== null,
    staleTime: Number.POSITIVE_INFINITY,
  })
  const windowOf = () => {
    const s = toInstant(since)
    const u = toInstant(until)
    return { ...(s === undefined ? {} : { since: s }), ...(u === undefined ? {} : { until: u }) }
  }
  const r = report.data
  return (
    <section className="card" aria-labelledby="report-title">
      <Heading level={2} id="report-title">
        Report
      </Heading>
      <p className="muted">
        Who asked for this file's key in a window, and what they got, from the audit chain the key
        server verifies between the signed checkpoints around the window.
      </p>
      <Form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault()
          setAsked(windowOf())
        }}
      >
        <LocalTimeField label="Since (your local time)" value={since} onChange={setSince} />
        <LocalTimeField
          label="Until (your local time)"
          value={until}
          onChange={setUntil}
          description="Empty: now."
        />
        <Button type="submit" className="button primary">
          Build report
        </Button>
      </Form>
      <ErrorNote error={report.error} />
      {asked !== null && r === undefined && report.error === null ? (
        <p aria-busy="true">Verifying the chain…</p>
      ) : null}
      {r === undefined ? null : (
        <div className="stack" data-testid="report">
          <p
            className={`conclusion conclusion-${r.conclusion.verdict}`}
            data-testid="conclusion"
            role="status"
          >
            {r.conclusion.text}
          </p>
          <dl className="facts">
            <dt>Window</dt>
            <dd>
              <When time={r.window.since} /> to <When time={r.window.until} />
            </dd>
            <dt>Chain</dt>
            <dd data-testid="chain">
              {r.chain.verified ? 'verified' : 'DOES NOT VERIFY'}: records {r.chain.firstSeq} to{' '}
              {r.chain.lastSeq} ({r.chain.records} records, {r.chain.checkpoints} checkpoints), from
              the checkpoint of {r.chain.from.size} records{' '}
              {r.chain.from.signedAt === null ? (
                '(the start of the log)'
              ) : (
                <>
                  signed <When time={r.chain.from.signedAt} />
                </>
              )}{' '}
              to{' '}
              {r.chain.to === null ? (
                'the chain head (no checkpoint signed after the window yet: the last records are only as trustworthy as the database)'
              ) : (
                <>
                  the checkpoint of {r.chain.to.size} records signed{' '}
                  <When time={r.chain.to.signedAt} />
                </>
              )}
            </dd>
            <dt>Releases</dt>
            <dd data-testid="releases">
              {r.releases.count}
              {r.releases.count === 0
                ? ''
                : ` (${Object.entries(r.releases.byRecipient)
                    .map(([who, n]) => `${who} ${n}`)
                    .join(', ')})`}
            </dd>
            <dt>Denials</dt>
            <dd data-testid="denials">
              {r.denials.count}
              {r.denials.count === 0
                ? ''
                : ` (${Object.entries(r.denials.byReason)
                    .map(([why, n]) => `${why} ${n}`)
                    .join(', ')})`}
            </dd>
            <dt>Policy changes</dt>
            <dd>{r.changes.count}</dd>
          </dl>
          {r.chain.problems.length === 0 ? null : (
            <ul className="error-note" aria-label="Chain problems">
              {r.chain.problems.map((problem) => (
                <li key={`${problem.kind} ${problem.seq} ${problem.checkpoint}`}>
                  {problem.kind}: {problem.message}
                </li>
              ))}
            </ul>
          )}
          {r.releases.foreignToken.length === 0 ? null : (
            <p className="notice">
              Released with a token someone else minted:{' '}
              {r.releases.foreignToken
                .map((f) => `${f.recipient} (minted by ${f.mintedBy}) ${f.releases}`)
                .join('; ')}
              . Whoever minted it may have obtained the key too.
            </p>
          )}
          <EventTable
            events={r.events}
            caption="The file's records in the window"
            linkPolicies={false}
          />
          <p className="muted">
            The key server verified this stretch. To check it yourself, without trusting the server:{' '}
            <code>latch audit report {policy.id}</code> verifies it in the CLI, and the export below
            verifies offline with <code>latch audit verify --file EXPORT --key KEY</code> (the key
            from the Audit page).
          </p>
        </div>
      )}
      {admin ? (
        <div className="inline-form">
          <Button
            className="button"
            onPress={() => {
              setDownloadError(null)
              const query = new URLSearchParams({ policy: policy.id, ...windowOf() })
              downloadFile(
                `${routeLines.auditExport.url}?${query}`,
                session?.token ?? '',
                `${policy.id}.audit.ndjson`,
              ).then(
                ({ name, bytes }) => setDownloaded(`${name}, ${bytes} bytes`),
                setDownloadError,
              )
            }}
          >
            Download the export for this window
          </Button>
          <span className="muted" aria-live="polite">
            {downloaded === null ? '' : `Saved ${downloaded}.`}
          </span>
          <ErrorNote error={downloadError} />
        </div>
      ) : null}
    </section>
  )
}
