import type { KeyObject } from 'node:crypto'
import {
  type CompactJwe,
  type HeaderCore,
  openShare,
  type PreparedShareWrap,
  type ShareBinding,
  shareBindingOf,
} from '@latch/format'
import { auditEvent, type RequestMeta } from '../audit/audit-event.js'
import type { Identity } from '../auth/identity.js'
import type { KeyRing } from '../keys/key-ring.js'
import { deny, evaluateRelease } from '../policy/evaluate-release.js'
import type { Verdict } from '../store/records.js'
import type { Store } from '../store/store.js'

/** One key request, already parsed and well-formed (see `parse-release-request.ts`). */
export interface ReleaseRequest {
  readonly coreBytes: Uint8Array
  readonly core: HeaderCore
  readonly jwe: CompactJwe
  /** The re-wrap to the client's throw-away key, its key agreement already done. */
  readonly rewrap: PreparedShareWrap
  readonly clientKeyThumbprint: string
}

/** The outcome of one key request: the re-wrapped share, or a denial (reason in the audit only). */
export type ReleaseOutcome =
  | { readonly released: true; readonly jwe: string; readonly seq: number }
  | { readonly released: false; readonly seq: number; readonly reason: string }

/**
 * The key-release pipeline (SERVER.md), one step per line:
 * 1. open the share with the private key the JWE names, checking that its protected header is
 *    bound to the header core sent with it;
 * 2. in one transaction: load the policy and the lockdown rules covering it, judge it (no
 *    lockdown, owner or reader, not revoked, not expired, on the database clock), append the
 *    decision's audit record, commit;
 * 3. only then re-wrap the share to the client's throw-away key, with the wrap prepared when the
 *    request was parsed: a key that cannot be wrapped to was refused (400) before step 2, so a
 *    committed permit is always delivered.
 * A share that does not open still goes through step 2, so that every denial does the same work
 * and leaves the same kind of record.
 *
 * @throws ServerError `ERR_AUDIT_UNAVAILABLE` / `ERR_STORE_UNAVAILABLE`: nothing was released.
 */
export async function releaseShare(
  services: { readonly store: Store; readonly keys: KeyRing },
  caller: Identity,
  request: ReleaseRequest,
  meta: RequestMeta,
): Promise<ReleaseOutcome> {
  const { jwe, core } = request
  const binding = shareBindingOf(request.coreBytes, jwe.header.sid, jwe.header.n)
  const privateKey = await services.keys.privateKey(jwe.header.kid)
  const opened = privateKey === undefined ? undefined : tryOpen(jwe, privateKey, binding)
  const early: Verdict | undefined =
    privateKey === undefined
      ? deny('key_unknown')
      : opened === undefined
        ? deny('binding')
        : undefined
  // The ids of the lockdown rules covering the policy, named in the record (never to the caller).
  let matched: readonly string[] = []
  try {
    const { verdict, seq } = await services.store.decide({
      policyId: core.policyId,
      judge: (policy, now, lockdowns) => {
        matched = lockdowns
        return early ?? evaluateRelease(policy, caller, now, lockdowns)
      },
      record: (verdict, policy) =>
        auditEvent(verdict.permit ? 'key.release' : 'key.release.denied', caller, meta, {
          decision: verdict.permit ? 'permit' : 'deny',
          reason: verdict.reason,
          lockdown_rules: matched.length > 0 ? [...matched] : undefined,
          policy_id: core.policyId,
          policy_version: policy?.version,
          object_id: binding.objectId,
          core_hash: binding.coreHash,
          kid: jwe.header.kid,
          sid: jwe.header.sid,
          n: jwe.header.n,
          client_key: request.clientKeyThumbprint,
        }),
    })
    if (!verdict.permit || opened === undefined) {
      return { released: false, seq, reason: verdict.reason }
    }
    return { released: true, jwe: request.rewrap.wrap(opened, binding), seq }
  } finally {
    opened?.fill(0)
  }
}

function tryOpen(jwe: CompactJwe, key: KeyObject, binding: ShareBinding): Uint8Array | undefined {
  try {
    return openShare(jwe, key, binding)
  } catch {
    return undefined
  }
}
