import type { AuditValue } from '@latch/audit'

/** A role a user can have. Admins manage users, keys, any policy, and read the audit log. */
export type Role = 'admin' | 'user'

/**
 * A built-in user. An OIDC caller whose email is this user's is refused while the user is
 * disabled, and gets the user's role and `mayAssignOwner` only through the linked OIDC account.
 */
export interface UserRecord {
  readonly email: string
  readonly role: Role
  /** A service account allowed to name another owner when it creates a policy. */
  readonly mayAssignOwner: boolean
  readonly disabledAt: Date | undefined
  readonly createdAt: Date
  /** The one OIDC account (issuer, subject) an admin linked to this user, if any. */
  readonly oidc: OidcLink | undefined
}

/** An OIDC account: the issuer and the subject (`sub`) it gives that account. */
export interface OidcLink {
  readonly issuer: string
  readonly subject: string
}

/** An API token as stored: only its SHA-256 is kept. */
export interface TokenRecord {
  /** Public id of the token (for listing and revoking); not a secret. */
  readonly id: string
  readonly email: string
  readonly hash: Uint8Array
  readonly createdAt: Date
  readonly revokedAt: Date | undefined
  /**
   * Who minted it: its own user, an admin (a new user's first token, lost-token recovery),
   * `system` (the first admin's), or `undefined` when unknown (minted before minters were
   * recorded, with no audit record that names it).
   */
  readonly mintedBy: string | undefined
}

/** One of the server's own key pairs, the private half sealed under the root key. */
export interface ServerKeyRecord {
  readonly kid: string
  /** `wrap`: X25519 for key entries; `checkpoint`: Ed25519 that signs audit checkpoints. */
  readonly use: 'wrap' | 'checkpoint'
  /** Raw public key (32 bytes). */
  readonly publicKey: Uint8Array
  /** The raw private key sealed by the root key's custody (`keys/key-sealer.ts`). */
  readonly sealedPrivateKey: Uint8Array
  readonly createdAt: Date
}

/** A server key moved to another custody: its sealed bytes before and after. */
export interface ResealedKey {
  readonly kid: string
  readonly previous: Uint8Array
  readonly sealedPrivateKey: Uint8Array
}

/**
 * An encrypted object a policy covers, at one location it was registered at: an object
 * registered at several locations is one of these per location (every one stays).
 */
export interface PolicyObject {
  /** base64url of the 16-byte object id. */
  readonly objectId: string
  /** base64url of the header-core hash `hc`. */
  readonly coreHash: string
  readonly bucket: string | undefined
  readonly key: string | undefined
  readonly registeredAt: Date
}

/** Who revoked a policy, when and why. */
export interface Revocation {
  readonly by: string
  readonly at: Date
  readonly reason: string | undefined
}

/** A file's policy: who may obtain its key, until when, and whether it is revoked. */
export interface PolicyRecord {
  readonly id: string
  readonly owner: string
  /** Emails, lower case, or `*@domain` for everyone at a domain. */
  readonly readers: readonly string[]
  readonly expiresAt: Date | undefined
  readonly labels: Readonly<Record<string, string>>
  readonly revocation: Revocation | undefined
  /** Increases with every change; decisions record the version they evaluated. */
  readonly version: number
  readonly createdAt: Date
  readonly createdBy: string
  /** The objects it covers (not loaded for key-release decisions, which do not depend on them). */
  readonly objects: readonly PolicyObject[]
}

/** A new policy, before the store gives it its times and version. */
export interface NewPolicy {
  readonly id: string
  readonly owner: string
  readonly readers: readonly string[]
  readonly expiresAt: Date | undefined
  readonly labels: Readonly<Record<string, string>>
  readonly createdBy: string
}

/** A new object for a policy. */
export interface NewPolicyObject {
  readonly objectId: string
  readonly coreHash: string
  readonly bucket: string | undefined
  readonly key: string | undefined
}

/**
 * An object registered with a policy as it is created, and its `policy.object.add` record, which
 * receives the policy as created (version 1): what a separate registration would have appended.
 */
export interface InitialObject {
  readonly object: NewPolicyObject
  readonly audit: (created: PolicyRecord) => AuditDraft
}

/**
 * An audit record before the store appends it: the store adds `v`, `seq` and `time` (database
 * clock) and chains it. Values must be canonical-JSON values (no `undefined`).
 */
export type AuditDraft = { readonly type: string } & { readonly [field: string]: AuditValue }

/** One stored audit record: its canonical bytes verbatim and its chain hash. */
export interface AuditRow {
  readonly seq: number
  readonly recordBytes: Uint8Array
  readonly entryHash: Uint8Array
}

/** The chain head and how much of it a signed checkpoint covers. */
export interface AuditHead {
  readonly size: number
  readonly headHash: Uint8Array
  readonly signedSize: number
  readonly signedAt: Date | undefined
  /** Time of the oldest record no checkpoint covers yet. */
  readonly firstUnsignedAt: Date | undefined
}

/** A signed checkpoint as stored. */
export interface CheckpointRecord {
  readonly size: number
  readonly note: string
  readonly signedAt: Date
}

/** What a key-release decision concluded, before anything is released. */
export interface Verdict {
  readonly permit: boolean
  /** Why: `owner`, `reader` when permitted; the denial reason otherwise (audit only). */
  readonly reason: string
}

/**
 * The inputs of one decision transaction: the policy to load, the pure judgement to apply to it
 * at the database's time, and the audit record that states the outcome.
 */
export interface DecisionInput {
  readonly policyId: string
  /**
   * `lockdowns` holds the ids of the active lockdown rules that cover the policy, read in the
   * same transaction (empty when none, or when there is no such policy).
   */
  readonly judge: (
    policy: PolicyRecord | undefined,
    now: Date,
    lockdowns: readonly string[],
  ) => Verdict
  readonly record: (verdict: Verdict, policy: PolicyRecord | undefined) => AuditDraft
}

/** A committed decision: the verdict and the sequence number of its audit record. */
export interface DecisionResult {
  readonly verdict: Verdict
  readonly seq: number
}

/**
 * What a lockdown rule covers: every policy, the policies with an object registered in a bucket
 * (under a key prefix; `''` is the whole bucket), or the policies of one owner.
 */
export type LockdownScope =
  | { readonly kind: 'all' }
  | { readonly kind: 'bucket'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'owner'; readonly owner: string }

/** Who lifted a lockdown rule, when and why. */
export interface LockdownLift {
  readonly by: string
  readonly at: Date
  readonly reason: string | undefined
}

/**
 * An incident lockdown: one row that denies every key of the policies it covers, from the commit
 * that adds it until the commit that lifts it. It never changes a policy.
 */
export interface LockdownRule {
  /** `ld_` and 16 random base32 characters. */
  readonly id: string
  readonly scope: LockdownScope
  readonly reason: string
  readonly createdBy: string
  readonly createdAt: Date
  readonly lifted: LockdownLift | undefined
}

/** A rule to add, before the store gives it its time. */
export interface NewLockdownRule {
  readonly id: string
  readonly scope: LockdownScope
  readonly reason: string
  readonly createdBy: string
}

/** How much a scope covers now (a dry run). */
export interface LockdownReach {
  readonly policies: number
  /**
   * Registered locations of those policies' objects (for `bucket` scopes: those inside the
   * scope); an object registered at two locations counts twice.
   */
  readonly objects: number
}

/**
 * Which audit records to list; absent members do not filter. The store filters on columns it
 * derives from each record when appending it (never trusted by the verifier).
 */
export interface AuditFilter {
  readonly policyId?: string
  /** Records about a policy this email owns (a record names its policy in `policy_id`). */
  readonly policyOwner?: string
  /** The actor's email. */
  readonly actor?: string
  /** An event type (`key.release`), or a family of them (`policy.*`). */
  readonly type?: string
  /** Records at or after this time. */
  readonly since?: Date
  /** Records before this time. */
  readonly until?: Date
}

/**
 * Where a page of audit records lies and which way it runs: records with `after < seq < before`,
 * ascending (`asc`, the default) or descending, at most `limit`.
 */
export interface AuditPage {
  readonly after?: number
  readonly before?: number
  readonly order?: 'asc' | 'desc'
  readonly limit: number
}

/** A policy's state as lists filter it: `expired` is not revoked with its expiry past. */
export type PolicyState = 'active' | 'revoked' | 'expired'

/**
 * Which policies to list or count; absent members do not filter. The states are judged at the
 * database's time.
 */
export interface PolicyFilter {
  /**
   * Only the policies this email may see as a user: it owns them, or a reader entry names it (its
   * address or its `*@domain`). Absent: every policy (an admin).
   */
  readonly visibleTo?: string
  readonly owner?: string
  /** A reader entry that names this email (its `*@domain` included), or this `*@domain` entry. */
  readonly reader?: string
  /** An object registered in this bucket (at any location it was ever registered at). */
  readonly bucket?: string
  /** With `bucket`: under this key prefix (every character literal). */
  readonly prefix?: string
  readonly label?: { readonly key: string; readonly value: string }
  readonly state?: PolicyState
  /**
   * A substring of the id, the owner, a reader, a bucket or a key, ASCII letters in any case
   * (give it lower-cased: the stored emails are).
   */
  readonly search?: string
}

/** A page of policies, newest first (creation time, then id, both descending). */
export interface PolicyPage {
  /** Only the policies after this one in that order (the last of the page before). */
  readonly after?: { readonly createdAt: Date; readonly id: string }
  readonly limit: number
}

/** How many policies a filter matches, by state, at the database's time `at`. */
export interface PolicyCounts {
  readonly total: number
  readonly active: number
  readonly revoked: number
  readonly expired: number
  /** The database clock the expiries were judged at. */
  readonly at: Date
}
