import type { AuditEventView } from '@latch/protocol'
import { Link } from '@tanstack/react-router'
import { When } from './when.js'

/**
 * Audit records as a table: sequence number, time, actor (and who minted their token, when not
 * themselves), event, file, and the detail that matters for the event (decision and reason,
 * readers, expiry, lockdown rules).
 *
 * @param props.events The records, in the order to show.
 * @param props.caption What the table lists (for screen readers and as its heading).
 * @param props.linkPolicies Whether the file column links to the file's page.
 */
export function EventTable({
  events,
  caption,
  linkPolicies = true,
}: {
  events: readonly AuditEventView[]
  caption: string
  linkPolicies?: boolean
}) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Event</th>
            <th scope="col">File</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {events.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                None.
              </td>
            </tr>
          ) : (
            events.map((event) => {
              const policy = typeof event.policy_id === 'string' ? event.policy_id : null
              return (
                <tr key={event.seq} className={event.type.endsWith('.denied') ? 'row-denied' : ''}>
                  <td className="num">{event.seq}</td>
                  <td>
                    <When time={event.time} />
                  </td>
                  <td>
                    {event.actor.email}
                    {typeof event.actor.minted_by === 'string' ? (
                      <span className="muted"> (token minted by {event.actor.minted_by})</span>
                    ) : null}
                  </td>
                  <td>
                    <code>{event.type}</code>
                  </td>
                  <td>
                    {policy === null ? (
                      <span className="muted">—</span>
                    ) : linkPolicies ? (
                      <Link to="/files/$policyId" params={{ policyId: policy }}>
                        <code>{policy}</code>
                      </Link>
                    ) : (
                      <code>{policy}</code>
                    )}
                  </td>
                  <td>{describeEvent(event)}</td>
                </tr>
              )
            })
          )}
        </tbody>
      </table>
    </div>
  )
}

/** The members of a record that say what happened, in one line. */
export function describeEvent(event: AuditEventView): string {
  const parts: string[] = []
  const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))
  if (event.decision !== undefined) parts.push(`${text(event.decision)}: ${text(event.reason)}`)
  else if (event.reason !== undefined && event.reason !== null) {
    parts.push(`reason: ${text(event.reason)}`)
  }
  const after = event.after as Record<string, unknown> | undefined
  const before = event.before as Record<string, unknown> | undefined
  if (event.type === 'policy.share' || event.type === 'policy.unshare') {
    parts.push(`readers: ${listOf(before?.readers)} → ${listOf(after?.readers)}`)
  }
  if (event.type === 'policy.expire') {
    parts.push(
      `expiry: ${text(before?.expires_at ?? 'never')} → ${text(after?.expires_at ?? 'never')}`,
    )
  }
  if (event.type === 'policy.create' && after !== undefined) {
    parts.push(`owner ${text(after.owner)}, readers ${listOf(after.readers)}`)
  }
  if (event.type === 'policy.object.add')
    parts.push(`s3://${text(event.bucket)}/${text(event.key)}`)
  if (Array.isArray(event.lockdown_rules)) parts.push(`rules ${event.lockdown_rules.join(', ')}`)
  if (event.rule_id !== undefined) parts.push(`rule ${text(event.rule_id)}`)
  if (event.email !== undefined) parts.push(text(event.email))
  if (typeof event.source_ip === 'string') parts.push(`from ${event.source_ip}`)
  return parts.join('; ')
}

function listOf(value: unknown): string {
  return Array.isArray(value) ? (value.length === 0 ? 'none' : value.join(', ')) : '—'
}
