import type { AuditDraft } from './records.js'
import type { Store } from './store.js'

/** The columns of the audit index a store derives from a record, besides its time. */
export interface AuditIndexFields {
  readonly type: string
  /** `actor.email`, when the record has an actor with a text email. */
  readonly actor: string | null
  /** `policy_id`, when it is text. */
  readonly policyId: string | null
}

/**
 * The index columns both stores fill from a record when they append it, so that
 * {@link Store.queryAudit} can list records by type, actor or policy (and by the record's time,
 * which the store sets). An index only: the verifier and the reports read the records themselves.
 *
 * @param draft the record being appended.
 */
export function auditIndexFields(draft: AuditDraft): AuditIndexFields {
  const { actor, policy_id: policyId } = draft
  const email =
    typeof actor === 'object' && actor !== null && !Array.isArray(actor) ? actor.email : undefined
  return {
    type: draft.type,
    actor: typeof email === 'string' ? email : null,
    policyId: typeof policyId === 'string' ? policyId : null,
  }
}
