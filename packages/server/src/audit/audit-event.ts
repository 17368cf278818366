import type { AuditValue } from '@latch/audit'
import type { Identity } from '../auth/identity.js'
import type { AuditDraft } from '../store/records.js'

/**
 * The catalogue of audit events (`docs/audit-events.md`). Every record's `type` is one of these.
 */
export type AuditEventType =
  | 'server.start'
  | 'key.create'
  | 'key.rotate'
  | 'key.reseal'
  | 'user.create'
  | 'user.disable'
  | 'user.link'
  | 'token.create'
  | 'token.revoke'
  | 'policy.create'
  | 'policy.object.add'
  | 'policy.share'
  | 'policy.unshare'
  | 'policy.expire'
  | 'policy.revoke'
  | 'policy.unrevoke'
  | 'lockdown.add'
  | 'lockdown.lift'
  | 'key.release'
  | 'key.release.denied'
  | 'auth.failed'

/** Where a request came from, recorded with every event it causes. */
export interface RequestMeta {
  readonly requestId: string
  readonly sourceIp: string
}

/**
 * Builds an audit draft: the event type, the actor, the request, and the event's own fields.
 * Fields whose value is `undefined` are left out (canonical JSON has no `undefined`).
 */
export function auditEvent(
  type: AuditEventType,
  actor: Identity | undefined,
  meta: RequestMeta | undefined,
  fields: Readonly<Record<string, AuditValue | undefined>> = {},
): AuditDraft {
  const draft: Record<string, AuditValue> = { type, actor: actorOf(actor) }
  if (meta !== undefined) {
    draft.request_id = meta.requestId
    draft.source_ip = meta.sourceIp
  }
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) draft[name] = value
  }
  return draft as AuditDraft
}

function actorOf(identity: Identity | undefined): AuditValue {
  if (identity === undefined) return { email: 'unauthenticated' }
  const actor: Record<string, AuditValue> = { email: identity.email, scheme: identity.scheme }
  if (identity.tokenId !== undefined) actor.token_id = identity.tokenId
  if (identity.issuer !== undefined) actor.iss = identity.issuer
  if (identity.mintedBy !== undefined) actor.minted_by = identity.mintedBy
  return actor
}
