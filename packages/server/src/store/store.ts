import type {
  AuditDraft,
  AuditFilter,
  AuditHead,
  AuditPage,
  AuditRow,
  CheckpointRecord,
  DecisionInput,
  DecisionResult,
  InitialObject,
  LockdownReach,
  LockdownRule,
  LockdownScope,
  NewLockdownRule,
  NewPolicy,
  NewPolicyObject,
  OidcLink,
  PolicyCounts,
  PolicyFilter,
  PolicyPage,
  PolicyRecord,
  ResealedKey,
  Revocation,
  Role,
  ServerKeyRecord,
  TokenRecord,
  UserRecord,
} from './records.js'

/** Bounds on the audit chain's unsigned tail: past either, every audited operation stops (503). */
export interface AuditTailBounds {
  /** Records after the last signed checkpoint. */
  readonly maxUnsignedRecords: number
  /** Age of the oldest record after the last signed checkpoint, in milliseconds. */
  readonly maxUnsignedAgeMs: number
}

/**
 * Everything the key server keeps, behind one interface with one implementation per database
 * (SQLite, PostgreSQL) and one contract suite both pass (`test/store-contract.ts`).
 *
 * Every method that changes state takes the audit record of the change and appends it to the
 * chain in the same transaction, last: the change and its record commit together or not at all.
 * Appends get their sequence number and time under the chain-head lock, so the chain's order is
 * the commit order. Errors: `ERR_CONFLICT`, `ERR_NOT_FOUND`, `ERR_AUDIT_UNAVAILABLE` (the record
 * cannot be written or the unsigned tail is past its bound), `ERR_STORE_UNAVAILABLE`.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres'
  /** The audit chain's origin (`h_0` derives from it), fixed on first start. */
  readonly auditOrigin: string
  /** Closes the connection(s). */
  close(): Promise<void>
  /** Throws `ERR_STORE_UNAVAILABLE` when the database does not answer. */
  ping(): Promise<void>

  // --- Settings that are fixed on first start ---
  /** Returns the stored value of `name`, storing `value` first when there is none. */
  initSetting(name: string, value: string): Promise<string>

  // --- The server's key pairs ---
  /** Every key pair, oldest (`createdAt`) first. */
  listServerKeys(): Promise<ServerKeyRecord[]>
  addServerKey(key: ServerKeyRecord, audit: AuditDraft): Promise<void>
  /**
   * Replaces the sealed private keys of `keys` and appends `audit`, in one transaction.
   * @throws ServerError `ERR_CONFLICT` (nothing changed) when a key's sealed bytes are no longer
   *   `previous`: another reseal ran meanwhile.
   */
  resealServerKeys(keys: readonly ResealedKey[], audit: AuditDraft): Promise<void>

  // --- Users and API tokens (emails are lower-cased here too, whatever the caller passes) ---
  /**
   * Creates a user with a first token.
   * @throws `ERR_CONFLICT` when the email exists, or its OIDC account is another user's.
   */
  createUser(user: NewUser, token: NewToken, audit: AuditDraft): Promise<UserRecord>
  findUser(email: string): Promise<UserRecord | undefined>
  listUsers(): Promise<UserRecord[]>
  /** Disables a user (their tokens stop working at once). @throws `ERR_NOT_FOUND`. */
  disableUser(email: string, audit: AuditDraft): Promise<UserRecord>
  /**
   * Links a user to one OIDC account, replacing any previous link; `audit` receives the user as
   * it was. @throws `ERR_NOT_FOUND`, `ERR_CONFLICT` when the account is another user's.
   */
  linkUserOidc(
    email: string,
    link: OidcLink,
    audit: (before: UserRecord) => AuditDraft,
  ): Promise<UserRecord>
  /** @throws `ERR_NOT_FOUND` when the user does not exist. */
  addToken(token: NewToken, audit: AuditDraft): Promise<void>
  /** Revokes a token. @throws `ERR_NOT_FOUND` for an unknown id. */
  revokeToken(id: string, audit: AuditDraft): Promise<void>
  listTokens(email: string): Promise<TokenRecord[]>
  /** The live token with this hash and its enabled user, if any. */
  findLiveToken(hash: Uint8Array): Promise<{ token: TokenRecord; user: UserRecord } | undefined>

  // --- Policies ---
  /**
   * Creates a policy (version 1) and appends `audit`; with `initial`, also registers that object
   * and appends its record in the same transaction, as {@link Store.addPolicyObject} would (the
   * answer is then version 2, without its object list).
   * @throws `ERR_CONFLICT` when the id exists.
   */
  createPolicy(policy: NewPolicy, audit: AuditDraft, initial?: InitialObject): Promise<PolicyRecord>
  /** A policy; `objects: false` leaves its object list out (empty), which can be long. */
  getPolicy(id: string, options?: { objects?: boolean }): Promise<PolicyRecord | undefined>
  /**
   * Records an object the policy covers, at a location (bucket, key). Every location ever
   * registered stays: registering the object elsewhere adds a location and never moves or drops
   * one, so a bucket lockdown that covers the policy by one location keeps covering it.
   * Registering a location again changes nothing (no version, no record). `audit` receives the
   * policy as it was; both it and the answer come without the object list.
   * @throws `ERR_NOT_FOUND`, `ERR_CONFLICT` (the object id is registered with another hash).
   */
  addPolicyObject(
    policyId: string,
    object: NewPolicyObject,
    audit: (before: PolicyRecord) => AuditDraft,
  ): Promise<PolicyRecord>

  /**
   * Changes a policy in one transaction: `change` receives the policy as it is (without its
   * object list) and returns the new values and the audit record; the version goes up by one.
   * `change` may throw (a `ServerError`) to refuse, and nothing is written.
   * @throws `ERR_NOT_FOUND`.
   */
  changePolicy(id: string, change: PolicyChange): Promise<PolicyRecord>
  /**
   * The policies `filter` matches, newest first (creation time, then id, both descending), a
   * page at a time, each with its objects. A policy created while a caller pages sorts before the
   * page it is on, so paging neither skips nor repeats one.
   */
  listPolicies(filter: PolicyFilter, page: PolicyPage): Promise<PolicyRecord[]>
  /** How many policies `filter` matches, by state, at the database's time. */
  countPolicies(filter: PolicyFilter): Promise<PolicyCounts>

  // --- Incident lockdown ---
  /**
   * Adds a lockdown rule: effective for every decision that commits after this returns.
   * @throws `ERR_CONFLICT` when the id exists.
   */
  addLockdownRule(
    rule: NewLockdownRule,
    audit: (rule: LockdownRule) => AuditDraft,
  ): Promise<LockdownRule>
  /**
   * Lifts an active rule; policies are not touched (a policy revoked on its own stays revoked).
   * @throws `ERR_NOT_FOUND`, `ERR_CONFLICT` when the rule is lifted already.
   */
  liftLockdownRule(id: string, lift: LockdownRuleLift): Promise<LockdownRule>
  /** Active rules, oldest first; with `includeLifted`, every rule ever added. */
  listLockdownRules(options?: { includeLifted?: boolean }): Promise<LockdownRule[]>
  /** How many policies and objects a scope covers now (for `--dry-run`). */
  measureLockdown(scope: LockdownScope): Promise<LockdownReach>

  // --- Key release ---
  /**
   * One key-release decision in one transaction: load the policy and the active lockdown rules
   * that cover it, judge it at the database's time, append the decision's audit record, commit.
   * Nothing may be released before this returns.
   */
  decide(input: DecisionInput): Promise<DecisionResult>

  // --- Audit chain ---
  /** Appends one record on its own (a denial before any policy, a failed authentication). */
  appendAudit(audit: AuditDraft): Promise<number>
  auditHead(): Promise<AuditHead>
  /** Records with `seq > afterSeq`, ascending, at most `limit`. */
  readAudit(afterSeq: number, limit: number): Promise<AuditRow[]>
  /** Records matching `filter` in `page`: between its bounds, in its order, at most its limit. */
  queryAudit(filter: AuditFilter, page: AuditPage): Promise<AuditRow[]>
  /** Streams every record from `afterSeq + 1` (for the verifier). */
  iterateAudit(afterSeq?: number): AsyncIterable<AuditRow>
  /**
   * Reads every record synchronously, when the store can (SQLite opened read-only, whose
   * snapshot no other statement of this connection changes): the verifier's fast path.
   */
  scanAudit?(): Iterable<AuditRow> | undefined
  /**
   * Reads every record in a worker thread of its own, in pages, each record with its leaf hash,
   * when the store can (SQLite opened read-only, on a file): reading and leaf hashing overlap the
   * caller's chain walk. The verifier's fastest path.
   */
  scanAuditConcurrently?(): AsyncIterable<readonly AuditRow[]> | undefined
  /**
   * Signs and stores a checkpoint of the chain head, in one transaction that holds the chain-head
   * lock throughout: reads the head's size and hash, takes the time from the database clock and
   * never earlier than the newest record time or the previous checkpoint's time, calls `sign`
   * with them (synchronously, under the lock) and stores the note it returns. So a checkpoint is
   * never timed before a record it covers, whatever the signing instance's clock says, and a
   * record appended after it cannot have been timed long before it (`AUDIT_TIME_TOLERANCE_MS`).
   *
   * @param sign returns the signed note of `(size, headHash, time)`; its `prev` must be the hash
   *   of the note stored last.
   * @returns the checkpoint stored.
   * @throws `ERR_CONFLICT` when the note's `prev` is not the hash of the note stored last (another
   *   signer stored one since it was read), or the head row disagrees with the stored chain;
   *   `ERR_INTERNAL` when the note does not sign the size, head and time given.
   */
  addCheckpoint(sign: CheckpointSign): Promise<CheckpointRecord>
  listCheckpoints(): Promise<CheckpointRecord[]>
  latestCheckpoint(): Promise<CheckpointRecord | undefined>

  // --- Several instances on one database (absent: this process is the only one) ---
  /**
   * Runs `fn` while holding a lock every instance's start-up takes, so that first-start work
   * (the first key pairs, the first admin) is done once when several instances start together.
   */
  withStartupLock?<T>(fn: () => Promise<T>): Promise<T>
  /**
   * Takes, or confirms, the checkpoint-signer lease: `true` while this instance is the one signer
   * of the database. The lease ends when the instance dies, and another takes it.
   */
  holdCheckpointLease?(): Promise<boolean>
}

/**
 * Signs a checkpoint of the chain head for {@link Store.addCheckpoint}: the size, the head hash
 * `h_size` and the time the store chose. Synchronous: it runs under the chain-head lock.
 */
export type CheckpointSign = (size: number, headHash: Uint8Array, time: Date) => string

/**
 * A policy change for {@link Store.changePolicy}: from the policy as it is (without its object
 * list), the values to set and the audit record of the change. It may throw to refuse.
 */
export type PolicyChange = (before: PolicyRecord) => {
  readonly patch: PolicyPatch
  readonly audit: AuditDraft
}

/**
 * The lifting of a lockdown rule for {@link Store.liftLockdownRule}: from the rule as it is, who
 * lifts it, why, and the audit record.
 */
export type LockdownRuleLift = (rule: LockdownRule) => {
  readonly by: string
  readonly reason: string | undefined
  readonly audit: AuditDraft
}

/** What a policy change sets; absent members stay as they are. */
export interface PolicyPatch {
  readonly readers?: readonly string[]
  /** `null` clears the expiry. */
  readonly expiresAt?: Date | null
  /** `null` lifts the revocation (the readers and expiry were never touched by it). */
  readonly revocation?: Revocation | null
}

/** A user to create. */
export interface NewUser {
  readonly email: string
  readonly role: Role
  readonly mayAssignOwner: boolean
  /** The OIDC account to link it to at once. */
  readonly oidc?: OidcLink
}

/** A token to store: its public id, the SHA-256 of its secret, and who minted it. */
export interface NewToken {
  readonly id: string
  readonly email: string
  readonly hash: Uint8Array
  /** The minter's email (`email` itself when users mint their own), or `system`. */
  readonly mintedBy: string
}
