import { useQuery } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { Heading } from 'react-aria-components'
import { useApi } from '../api/use-api.js'
import { ErrorNote } from '../components/error-note.js'
import { EventTable } from '../components/event-table.js'
import { When } from '../components/when.js'

/**
 * The first screen (`/console/`, `GET /v1/overview`): the key server and its database, the audit
 * chain (its head, the last signed checkpoint and the records no checkpoint covers yet), the
 * files by state, and for admins the active lockdowns and the latest denied key requests; the
 * latest policy changes. Everything scoped to the user, as the server scopes it. Refreshed every
 * 30 s.
 */
export function OverviewPage() {
  const api = useApi()
  const overview = useQuery({
    queryKey: ['overview'],
    queryFn: ({ signal }) => api('overview', {}, signal),
    refetchInterval: 30_000,
  })
  const o = overview.data
  return (
    <section className="stack">
      <Heading level={1}>Overview</Heading>
      <ErrorNote error={overview.error} />
      {o === undefined ? (
        overview.error === null ? (
          <p aria-busy="true">Loading…</p>
        ) : null
      ) : (
        <>
          <div className="cards">
            <section className="card" aria-labelledby="health-title">
              <Heading level={2} id="health-title">
                Key server
              </Heading>
              <dl className="facts">
                <dt>Version</dt>
                <dd>{o.server.version}</dd>
                <dt>Database</dt>
                <dd data-testid="database">
                  {o.server.database.kind === 'postgres' ? 'PostgreSQL' : 'SQLite'}:{' '}
                  <span className={o.server.database.ok ? 'ok' : 'bad'}>
                    {o.server.database.ok ? 'ok' : 'failing'}
                  </span>
                </dd>
                <dt>Server time</dt>
                <dd>
                  <When time={o.server.time} />
                </dd>
              </dl>
            </section>
            <section className="card" aria-labelledby="chain-title">
              <Heading level={2} id="chain-title">
                Audit chain
              </Heading>
              <dl className="facts">
                <dt>Records</dt>
                <dd data-testid="head">{o.chain.headSeq}</dd>
                <dt>Last signed checkpoint</dt>
                <dd>
                  {o.chain.lastCheckpoint === null ? (
                    'none yet'
                  ) : (
                    <>
                      {o.chain.lastCheckpoint.seq} records,{' '}
                      <When time={o.chain.lastCheckpoint.time} />
                    </>
                  )}
                </dd>
                <dt>Unsigned tail</dt>
                <dd>
                  {o.chain.unsignedTail} record{o.chain.unsignedTail === 1 ? '' : 's'}
                </dd>
              </dl>
            </section>
            <section className="card" aria-labelledby="files-title">
              <Heading level={2} id="files-title">
                {o.scope === 'all' ? 'All files' : 'Your files'}
              </Heading>
              <dl className="facts counts">
                <dt>Active</dt>
                <dd data-testid="count-active">
                  <Link to="/files" search={{ state: 'active' }}>
                    {o.files.active}
                  </Link>
                </dd>
                <dt>Revoked</dt>
                <dd data-testid="count-revoked">
                  <Link to="/files" search={{ state: 'revoked' }}>
                    {o.files.revoked}
                  </Link>
                </dd>
                <dt>Expired</dt>
                <dd data-testid="count-expired">
                  <Link to="/files" search={{ state: 'expired' }}>
                    {o.files.expired}
                  </Link>
                </dd>
                <dt>Total</dt>
                <dd>{o.files.total}</dd>
              </dl>
            </section>
            {o.lockdowns === null ? null : (
              <section className="card" aria-labelledby="lockdowns-title">
                <Heading level={2} id="lockdowns-title">
                  Lockdowns
                </Heading>
                <p>
                  <strong data-testid="lockdowns" className={o.lockdowns.active > 0 ? 'bad' : ''}>
                    {o.lockdowns.active}
                  </strong>{' '}
                  active rule{o.lockdowns.active === 1 ? '' : 's'}.{' '}
                  <Link to="/incident">Incident</Link>
                </p>
              </section>
            )}
          </div>
          {o.scope === 'all' ? (
            <EventTable events={o.recentDenials} caption="Recent denied key requests" />
          ) : null}
          <EventTable events={o.recentChanges} caption="Recent policy changes" />
        </>
      )}
    </section>
  )
}
