import type { Identity } from '../auth/identity.js'
import type { PolicyRecord, Verdict } from '../store/records.js'
import { readerMatches } from './reader-matches.js'

/**
 * Why a key was refused, recorded in the audit log and never told to the caller:
 * `policy_unknown`, `lockdown` (an active lockdown rule covers the policy), `revoked`, `expired`,
 * `not_reader`, `binding` (the JWE does not open with the named key, or is bound to another
 * object), `key_unknown` (no such server key id).
 */
export type DenyReason =
  | 'policy_unknown'
  | 'lockdown'
  | 'revoked'
  | 'expired'
  | 'not_reader'
  | 'binding'
  | 'key_unknown'

/**
 * The key-release rule, as a pure function of the policy, the lockdown rules covering it, the
 * caller and the database's time: a key goes only to the owner or a reader of a policy that no
 * lockdown covers, not revoked and not expired. Lockdowns and revocation cover the owner too;
 * being an admin grants nothing here.
 */
export function evaluateRelease(
  policy: PolicyRecord | undefined,
  caller: Identity,
  now: Date,
  lockdowns: readonly string[] = [],
): Verdict {
  if (policy === undefined) return deny('policy_unknown')
  if (lockdowns.length > 0) return deny('lockdown')
  if (policy.revocation !== undefined) return deny('revoked')
  if (policy.expiresAt !== undefined && now.getTime() >= policy.expiresAt.getTime()) {
    return deny('expired')
  }
  if (policy.owner === caller.email) return { permit: true, reason: 'owner' }
  if (policy.readers.some((r) => readerMatches(r, caller.email))) {
    return { permit: true, reason: 'reader' }
  }
  return deny('not_reader')
}

/** A denial with its reason. */
export function deny(reason: DenyReason): Verdict {
  return { permit: false, reason }
}
