import type { AuditEventView } from '@latch/client'
import { printable } from './printable.js'

const COMMON = new Set([
  'v',
  'seq',
  'time',
  'type',
  'actor',
  'request_id',
  'source_ip',
  'policy_id',
])

/** The header of {@link auditLine}'s columns. */
export const AUDIT_HEADER = auditColumns('SEQ', 'TIME', 'ACTION', 'ACTOR', 'POLICY', 'DETAIL')

/**
 * One audit record as a line of `latch audit`'s table: fixed columns, so pages stream. Every
 * cell goes through {@link printable}: a record holds text its writers chose (reasons, S3 keys).
 */
export function auditLine(event: AuditEventView): string {
  return auditColumns(
    String(event.seq),
    event.time,
    event.type,
    actorText(event.actor),
    typeof event.policy_id === 'string' ? event.policy_id : '-',
    detailOf(event),
  )
}

function auditColumns(...cells: string[]): string {
  const [seq, time, type, actor, policy, detail] = cells.map((c) => printable(String(c))) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ]
  return `${seq.padStart(7)}  ${time.padEnd(24)}  ${type.padEnd(18)}  ${actor.padEnd(26)}  ${policy.padEnd(24)}  ${detail}`.trimEnd()
}

// The minter of the token too: they may have made the request in the actor's name.
function actorText(actor: AuditEventView['actor']): string {
  return typeof actor.minted_by === 'string'
    ? `${actor.email} (token minted by ${actor.minted_by})`
    : actor.email
}

function detailOf(event: AuditEventView): string {
  const e = event as Record<string, unknown>
  switch (event.type) {
    case 'key.release':
      return `granted (${String(e.reason)})`
    case 'key.release.denied': {
      const rules = Array.isArray(e.lockdown_rules) ? ` ${e.lockdown_rules.join(',')}` : ''
      return `denied: ${String(e.reason)}${rules}`
    }
    case 'lockdown.add':
    case 'lockdown.lift':
      return `${String(e.rule_id)} ${scopeText(e.scope)}${e.reason === undefined ? '' : ` "${String(e.reason)}"`}`
    default: {
      if (e.before !== undefined || e.after !== undefined) return changeText(e)
      const rest = Object.fromEntries(Object.entries(e).filter(([k]) => !COMMON.has(k)))
      return Object.keys(rest).length === 0 ? '' : JSON.stringify(rest)
    }
  }
}

function scopeText(scope: unknown): string {
  const s = (scope ?? {}) as { kind?: string; bucket?: string; prefix?: string; owner?: string }
  if (s.kind === 'all') return 'all'
  if (s.kind === 'owner') return `owner=${s.owner}`
  return `s3://${s.bucket}/${s.prefix ?? ''}`
}

/** What a policy change changed: the members of `after` that differ from `before`. */
function changeText(e: Record<string, unknown>): string {
  const before = (e.before ?? {}) as Record<string, unknown>
  const after = (e.after ?? {}) as Record<string, unknown>
  const parts = Object.keys(after)
    .filter((k) => k !== 'version' && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) =>
      e.before === undefined
        ? `${k}=${JSON.stringify(after[k])}`
        : `${k}: ${JSON.stringify(before[k] ?? null)} → ${JSON.stringify(after[k])}`,
    )
  if (typeof e.reason === 'string') parts.push(`"${e.reason}"`)
  return parts.join('; ')
}
