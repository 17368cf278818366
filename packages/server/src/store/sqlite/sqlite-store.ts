import { AuditError } from '@latch/audit'
import type Database from 'better-sqlite3'
import { ServerError } from '../../errors.js'
import { iterateAuditPages } from '../iterate-audit-pages.js'
import { lockdownScopeColumns } from '../lockdown-scope-columns.js'
import { makeCheckpoint } from '../make-checkpoint.js'
import { mergePolicyPatch } from '../merge-policy-patch.js'
import {
  auditHeadOfRow,
  type CheckpointRow,
  checkpointOfRow,
  type HeadRow,
  type LiveTokenRow,
  type LockdownRow,
  liveTokenOfRow,
  lockdownOfRow,
  type ObjectRow,
  objectOfRow,
  type PolicyRow,
  policyOfRow,
  type ServerKeyRow,
  serverKeyOfRow,
  type TokenRow,
  tokenOfRow,
  type UserRow,
  userOfRow,
} from '../record-of-row.js'
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
  ServerKeyRecord,
  TokenRecord,
  UserRecord,
} from '../records.js'
import { resealConflict } from '../reseal-conflict.js'
import type {
  AuditTailBounds,
  CheckpointSign,
  LockdownRuleLift,
  NewToken,
  NewUser,
  PolicyChange,
  Store,
} from '../store.js'
import { appendSqliteRecord } from './append-sqlite-record.js'
import { prepareSqliteStatements, type SqliteStatements } from './prepare-sqlite-statements.js'
import { scanAuditInWorker } from './scan-audit-in-worker.js'
import { sqliteAuditQuery } from './sqlite-audit-query.js'
import { sqlitePolicyListQuery } from './sqlite-policy-list-query.js'
import { SQLITE_STATEMENT_TIME, sqlitePolicyWhere } from './sqlite-policy-where.js'

/**
 * The {@link Store} on one SQLite database (see `openSqliteStore`, which opens and migrates it).
 * Every operation is one synchronous `BEGIN IMMEDIATE` transaction: the write lock is the
 * chain-head lock, so the chain's order is the commit order.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const
  readonly auditOrigin: string
  readonly #db: Database.Database
  readonly #bounds: AuditTailBounds
  readonly #sql: SqliteStatements
  /**
   * Decisions and new policies asked for since the last group commit (see
   * {@link SqliteStore.decide}), in the order asked.
   */
  readonly #pending: PendingWrite[] = []
  #flushScheduled = false
  /**
   * While a group commit runs: the chain head its appends advance (written back once, before its
   * `COMMIT`), and whether any lockdown rule is active (none can be added or lifted in between).
   */
  #group: { head: HeadRow; anyActiveRule: boolean } | undefined
  /**
   * One decision: in a savepoint of the group's transaction, or (`.immediate`) in a transaction
   * of its own when it is alone in its group.
   */
  readonly #decideInSavepoint: Database.Transaction<(input: DecisionInput) => DecisionResult>
  /** One new policy with its first object, in a savepoint or alone (as a decision). */
  readonly #createInSavepoint: Database.Transaction<
    (policy: NewPolicy, audit: AuditDraft, initial: InitialObject | undefined) => PolicyRecord
  >

  /**
   * @param db the open database (migrated, unless read-only).
   * @param bounds the unsigned-tail bounds appends enforce.
   * @param origin the audit chain's origin, as stored.
   */
  constructor(db: Database.Database, bounds: AuditTailBounds, origin: string) {
    this.#db = db
    this.#bounds = bounds
    this.#sql = prepareSqliteStatements(db)
    this.auditOrigin = origin
    this.#decideInSavepoint = db.transaction((input: DecisionInput) => this.#decideOne(input))
    this.#createInSavepoint = db.transaction(
      (policy: NewPolicy, audit: AuditDraft, initial: InitialObject | undefined) =>
        this.#createOne(policy, audit, initial),
    )
  }

  async close(): Promise<void> {
    this.#flushGroup()
    this.#db.close()
  }

  async ping(): Promise<void> {
    this.#run(() => this.#sql.now.get())
  }

  async initSetting(name: string, value: string): Promise<string> {
    return this.#tx(() => {
      this.#sql.initSetting.run(name, value)
      return (this.#sql.getSetting.get(name) as { value: string }).value
    })
  }

  async listServerKeys(): Promise<ServerKeyRecord[]> {
    return (this.#run(() => this.#sql.listKeys.all()) as ServerKeyRow[]).map(serverKeyOfRow)
  }

  async addServerKey(key: ServerKeyRecord, audit: AuditDraft): Promise<void> {
    this.#tx(() => {
      this.#sql.addKey.run(
        key.kid,
        key.use,
        key.publicKey,
        key.sealedPrivateKey,
        key.createdAt.toISOString(),
      )
      this.#append(audit)
    })
  }

  async resealServerKeys(keys: readonly ResealedKey[], audit: AuditDraft): Promise<void> {
    this.#tx(() => {
      for (const key of keys) {
        const { changes } = this.#sql.resealKey.run(key.sealedPrivateKey, key.kid, key.previous)
        if (changes !== 1) throw resealConflict(key.kid)
      }
      this.#append(audit)
    })
  }

  async createUser(user: NewUser, token: NewToken, audit: AuditDraft): Promise<UserRecord> {
    const email = user.email.toLowerCase()
    return this.#tx(() => {
      if (this.#sql.getUser.get(email) !== undefined) {
        throw new ServerError('ERR_CONFLICT', `user ${email} already exists`)
      }
      if (user.oidc !== undefined) this.#assertOidcFree(user.oidc, email)
      this.#sql.addUser.run(
        email,
        user.role,
        user.mayAssignOwner ? 1 : 0,
        user.oidc?.issuer ?? null,
        user.oidc?.subject ?? null,
      )
      this.#addToken(token)
      this.#append(audit)
      return userOfRow(this.#sql.getUser.get(email) as UserRow)
    })
  }

  async findUser(email: string): Promise<UserRecord | undefined> {
    const row = this.#run(() => this.#sql.getUser.get(email.toLowerCase())) as UserRow | undefined
    return row === undefined ? undefined : userOfRow(row)
  }

  async listUsers(): Promise<UserRecord[]> {
    return (this.#run(() => this.#sql.listUsers.all()) as UserRow[]).map(userOfRow)
  }

  async disableUser(given: string, audit: AuditDraft): Promise<UserRecord> {
    const email = given.toLowerCase()
    return this.#tx(() => {
      const changed = this.#sql.disableUser.run(email).changes
      if (changed === 0 && this.#sql.getUser.get(email) === undefined) {
        throw new ServerError('ERR_NOT_FOUND', `no user ${email}`)
      }
      this.#append(audit)
      return userOfRow(this.#sql.getUser.get(email) as UserRow)
    })
  }

  async linkUserOidc(
    given: string,
    link: OidcLink,
    audit: (before: UserRecord) => AuditDraft,
  ): Promise<UserRecord> {
    const email = given.toLowerCase()
    return this.#tx(() => {
      const row = this.#sql.getUser.get(email) as UserRow | undefined
      if (row === undefined) throw new ServerError('ERR_NOT_FOUND', `no user ${email}`)
      this.#assertOidcFree(link, email)
      this.#sql.linkUser.run(link.issuer, link.subject, email)
      this.#append(audit(userOfRow(row)))
      return userOfRow(this.#sql.getUser.get(email) as UserRow)
    })
  }

  async addToken(token: NewToken, audit: AuditDraft): Promise<void> {
    this.#tx(() => {
      if (this.#sql.getUser.get(token.email.toLowerCase()) === undefined) {
        throw new ServerError('ERR_NOT_FOUND', `no user ${token.email}`)
      }
      this.#addToken(token)
      this.#append(audit)
    })
  }

  async revokeToken(id: string, audit: AuditDraft): Promise<void> {
    this.#tx(() => {
      if (this.#sql.revokeToken.run(id).changes === 0) {
        throw new ServerError('ERR_NOT_FOUND', `no live token ${id}`)
      }
      this.#append(audit)
    })
  }

  async listTokens(email: string): Promise<TokenRecord[]> {
    const rows = this.#run(() => this.#sql.listTokens.all(email.toLowerCase())) as TokenRow[]
    return rows.map(tokenOfRow)
  }

  async findLiveToken(
    hash: Uint8Array,
  ): Promise<{ token: TokenRecord; user: UserRecord } | undefined> {
    const row = this.#run(() => this.#sql.findLiveToken.get(hash)) as LiveTokenRow | undefined
    return row === undefined ? undefined : liveTokenOfRow(row)
  }

  /**
   * Creates a policy, with its first object when given, and their audit records, in a savepoint of
   * its own within the next group commit (as {@link SqliteStore.decide}): the policy, its object
   * and both records are committed together or not at all, and the promise settles after the
   * commit. Policies created at once (many small files written at once) share the commit's page
   * writes.
   */
  createPolicy(
    policy: NewPolicy,
    audit: AuditDraft,
    initial?: InitialObject,
  ): Promise<PolicyRecord> {
    return this.#grouped((alone) =>
      alone
        ? this.#createInSavepoint.immediate(policy, audit, initial)
        : this.#createInSavepoint(policy, audit, initial),
    )
  }

  #createOne(
    policy: NewPolicy,
    audit: AuditDraft,
    initial: InitialObject | undefined,
  ): PolicyRecord {
    if (this.#sql.getPolicy.get(policy.id) !== undefined) {
      throw new ServerError('ERR_CONFLICT', `policy ${policy.id} already exists`)
    }
    this.#sql.addPolicy.run(
      policy.id,
      policy.owner,
      JSON.stringify(policy.readers),
      policy.expiresAt?.toISOString() ?? null,
      JSON.stringify(policy.labels),
      policy.createdBy,
    )
    this.#append(audit)
    if (initial === undefined) return this.#policy(policy.id) as PolicyRecord
    const created = this.#policy(policy.id, false) as PolicyRecord
    const { objectId, coreHash, bucket, key } = initial.object
    this.#sql.addObject.run(policy.id, objectId, coreHash, bucket ?? null, key ?? null)
    this.#sql.bumpPolicy.run(policy.id)
    this.#append(initial.audit(created))
    return this.#policy(policy.id, false) as PolicyRecord
  }

  async getPolicy(
    id: string,
    options: { objects?: boolean } = {},
  ): Promise<PolicyRecord | undefined> {
    return this.#run(() => this.#policy(id, options.objects ?? true))
  }

  async addPolicyObject(
    policyId: string,
    object: NewPolicyObject,
    audit: (before: PolicyRecord) => AuditDraft,
  ): Promise<PolicyRecord> {
    return this.#tx(() => {
      const before = this.#policy(policyId, false)
      if (before === undefined) throw new ServerError('ERR_NOT_FOUND', `no policy ${policyId}`)
      const existing = this.#sql.getObject.get(policyId, object.objectId) as
        | { core_hash: string }
        | undefined
      if (existing !== undefined && existing.core_hash !== object.coreHash) {
        throw new ServerError('ERR_CONFLICT', 'object id already registered with another header')
      }
      const added = this.#sql.addObject.run(
        policyId,
        object.objectId,
        object.coreHash,
        object.bucket ?? null,
        object.key ?? null,
      ).changes
      // A location registered already: nothing changes, so no version and no record.
      if (added === 0) return before
      this.#sql.bumpPolicy.run(policyId)
      this.#append(audit(before))
      return this.#policy(policyId, false) as PolicyRecord
    })
  }

  async changePolicy(id: string, change: PolicyChange): Promise<PolicyRecord> {
    return this.#tx(() => {
      const before = this.#policy(id, false)
      if (before === undefined) throw new ServerError('ERR_NOT_FOUND', `no policy ${id}`)
      const { patch, audit } = change(before)
      const { readers, expiresAt, revocation } = mergePolicyPatch(before, patch)
      this.#sql.changePolicy.run(
        JSON.stringify(readers),
        expiresAt?.toISOString() ?? null,
        revocation?.by ?? null,
        revocation?.at.toISOString() ?? null,
        revocation?.reason ?? null,
        id,
      )
      this.#append(audit)
      return this.#policy(id, false) as PolicyRecord
    })
  }

  async listPolicies(filter: PolicyFilter, page: PolicyPage): Promise<PolicyRecord[]> {
    const { sql, values } = sqlitePolicyListQuery(filter, page)
    const statement = this.#db.prepare(sql)
    // One read transaction: the objects are those of the policies as listed.
    return this.#run(() =>
      this.#db.transaction(() => {
        const rows = statement.all(...values) as PolicyRow[]
        const objects = new Map<string, ObjectRow[]>(rows.map((r) => [r.id, []]))
        const listed = this.#sql.listObjectsOf.all(
          JSON.stringify(rows.map((r) => r.id)),
        ) as ObjectRow[]
        for (const row of listed) objects.get(row.policy_id)?.push(row)
        return rows.map((r) => policyOfRow(r, (objects.get(r.id) ?? []).map(objectOfRow)))
      })(),
    )
  }

  async countPolicies(filter: PolicyFilter): Promise<PolicyCounts> {
    const { sql, values } = sqlitePolicyWhere(filter)
    const row = this.#run(() =>
      this.#db
        .prepare(
          `SELECT count(*) AS total, count(p.revoked_at) AS revoked,
             count(CASE WHEN p.revoked_at IS NULL AND p.expires_at <= ${SQLITE_STATEMENT_TIME}
               THEN 1 END) AS expired,
             ${SQLITE_STATEMENT_TIME} AS at
           FROM policies p WHERE ${sql}`,
        )
        .get(...values),
    ) as { total: number; revoked: number; expired: number; at: string }
    return {
      total: row.total,
      active: row.total - row.revoked - row.expired,
      revoked: row.revoked,
      expired: row.expired,
      at: new Date(row.at),
    }
  }

  /**
   * Decisions are committed in groups: those asked for while the event loop works through one
   * round of I/O (at most {@link GROUP_MAX}) share one `BEGIN IMMEDIATE` … `COMMIT`,
   * each in a savepoint of its own, judged and appended in the order asked. A commit writes the
   * pages a decision touches (the record, its index entries, the head) once per group instead of
   * once per decision. Each promise settles only after the group's commit: a failed commit fails
   * every decision of the group, and one decision's failure (its savepoint rolled back) fails it
   * alone. A decision still waiting judges the state as it is when its group runs, so a policy
   * change committed before that is seen. New policies join the same groups
   * ({@link SqliteStore.createPolicy}).
   */
  decide(input: DecisionInput): Promise<DecisionResult> {
    return this.#grouped((alone) =>
      alone ? this.#decideInSavepoint.immediate(input) : this.#decideInSavepoint(input),
    )
  }

  /**
   * Runs `write` in the next group commit (see {@link SqliteStore.decide}): `write(false)` in a
   * savepoint of the group's transaction, or `write(true)` in a transaction of its own when it is
   * alone (a savepoint would only add its rollback journal).
   */
  #grouped<T>(write: (alone: boolean) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ write, resolve: resolve as (result: unknown) => void, reject })
      if (this.#pending.length >= GROUP_MAX) this.#flushGroup()
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true
        setImmediate(() => {
          this.#flushScheduled = false
          this.#flushGroup()
        })
      }
    })
  }

  #flushGroup(): void {
    const group = this.#pending.splice(0)
    if (group.length === 0) return
    if (group.length === 1) {
      const only = group[0] as PendingWrite
      let result: unknown
      try {
        result = only.write(true)
      } catch (failure) {
        only.reject(this.#storeError(failure))
        return
      }
      only.resolve(result)
      return
    }
    const outcomes: ({ result: unknown } | { failure: unknown })[] = []
    try {
      this.#tx(() => {
        const started = this.#sql.getHead.get() as HeadRow
        const state = {
          head: started,
          anyActiveRule: (this.#sql.anyActiveRule.get() as { any: number }).any === 1,
        }
        this.#group = state
        try {
          for (const { write } of group) {
            const before = state.head
            try {
              outcomes.push({ result: write(false) })
            } catch (failure) {
              // Its savepoint rolled back: so does the head its appends advanced.
              state.head = before
              outcomes.push({ failure })
            }
          }
        } finally {
          this.#group = undefined
        }
        const { head } = state
        if (head !== started) {
          this.#sql.advanceHead.run(head.size, head.head_hash, head.first_unsigned_at)
        }
      })
    } catch (failure) {
      for (const decision of group) decision.reject(failure)
      return
    }
    group.forEach((pending, i) => {
      const outcome = outcomes[i] as { result: unknown } | { failure: unknown }
      if ('failure' in outcome) pending.reject(this.#storeError(outcome.failure))
      else pending.resolve(outcome.result)
    })
  }

  #decideOne(input: DecisionInput): DecisionResult {
    // The judgement needs the policy row, not the list of its objects: skip that query.
    const policy = this.#policy(input.policyId, false)
    // In a group, the rule query runs only when some rule is active (the usual case: none is).
    const lockdowns =
      policy === undefined || this.#group?.anyActiveRule === false
        ? []
        : (this.#sql.coveringRules
            .pluck()
            .all({ policy: policy.id, owner: policy.owner }) as string[])
    const time = (this.#sql.now.get() as { now: string }).now
    const verdict = input.judge(policy, new Date(time), lockdowns)
    const seq = this.#append(input.record(verdict, policy), time)
    return { verdict, seq }
  }

  async addLockdownRule(
    rule: NewLockdownRule,
    audit: (rule: LockdownRule) => AuditDraft,
  ): Promise<LockdownRule> {
    return this.#tx(() => {
      if (this.#sql.getRule.get(rule.id) !== undefined) {
        throw new ServerError('ERR_CONFLICT', `lockdown rule ${rule.id} already exists`)
      }
      const { bucket, prefix, owner } = lockdownScopeColumns(rule.scope)
      this.#sql.addRule.run(
        rule.id,
        rule.scope.kind,
        bucket,
        prefix,
        owner,
        rule.reason,
        rule.createdBy,
      )
      const added = lockdownOfRow(this.#sql.getRule.get(rule.id) as LockdownRow)
      this.#append(audit(added))
      return added
    })
  }

  async liftLockdownRule(id: string, lift: LockdownRuleLift): Promise<LockdownRule> {
    return this.#tx(() => {
      const row = this.#sql.getRule.get(id) as LockdownRow | undefined
      if (row === undefined) throw new ServerError('ERR_NOT_FOUND', `no lockdown rule ${id}`)
      const before = lockdownOfRow(row)
      if (before.lifted !== undefined) {
        throw new ServerError('ERR_CONFLICT', `lockdown rule ${id} is lifted already`)
      }
      const { by, reason, audit } = lift(before)
      this.#sql.liftRule.run(by, reason ?? null, id)
      this.#append(audit)
      return lockdownOfRow(this.#sql.getRule.get(id) as LockdownRow)
    })
  }

  async listLockdownRules(options: { includeLifted?: boolean } = {}): Promise<LockdownRule[]> {
    const statement = options.includeLifted === true ? this.#sql.allRules : this.#sql.activeRules
    return (this.#run(() => statement.all()) as LockdownRow[]).map(lockdownOfRow)
  }

  async measureLockdown(scope: LockdownScope): Promise<LockdownReach> {
    const row = this.#run(() =>
      scope.kind === 'all'
        ? this.#sql.reachAll.get()
        : scope.kind === 'owner'
          ? this.#sql.reachOwner.get(scope.owner, scope.owner)
          : this.#sql.reachBucket.get({ bucket: scope.bucket, prefix: scope.prefix }),
    ) as { policies: number; objects: number }
    return { policies: row.policies, objects: row.objects }
  }

  async appendAudit(audit: AuditDraft): Promise<number> {
    return this.#tx(() => this.#append(audit))
  }

  async auditHead(): Promise<AuditHead> {
    return auditHeadOfRow(this.#run(() => this.#sql.getHead.get()) as HeadRow)
  }

  async readAudit(afterSeq: number, limit: number): Promise<AuditRow[]> {
    const rows = this.#run(() => this.#sql.readAudit.raw().all(afterSeq, limit)) as JoinedAuditRow[]
    return rows.map(splitAuditRow)
  }

  async queryAudit(filter: AuditFilter, page: AuditPage): Promise<AuditRow[]> {
    const family = filter.type?.endsWith('.*') === true ? filter.type.slice(0, -1) : undefined
    const types =
      family === undefined
        ? undefined
        : (this.#run(() =>
            this.#sql.familyTypes.pluck().all({ prefix: family, past: pastPrefix(family) }),
          ) as string[])
    const { sql, values } = sqliteAuditQuery(filter, page, types)
    return this.#auditRows(() =>
      this.#db
        .prepare(sql)
        .raw()
        .all(...values),
    )
  }

  iterateAudit(afterSeq = 0): AsyncIterable<AuditRow> {
    return iterateAuditPages((after, limit) => this.readAudit(after, limit), afterSeq)
  }

  scanAudit(): Iterable<AuditRow> | undefined {
    if (!this.#db.readonly) return undefined
    const rows = this.#sql.scanAudit.raw().iterate() as IterableIterator<JoinedAuditRow>
    return {
      *[Symbol.iterator]() {
        for (const row of rows) yield splitAuditRow(row)
      },
    }
  }

  scanAuditConcurrently(): AsyncIterable<readonly AuditRow[]> | undefined {
    if (!this.#db.readonly || this.#db.memory) return undefined
    return scanAuditInWorker(this.#db.name)
  }

  async addCheckpoint(sign: CheckpointSign): Promise<CheckpointRecord> {
    return this.#tx(() => {
      // BEGIN IMMEDIATE holds the write lock, which is the chain-head lock here: no record is
      // appended between reading the head and storing its checkpoint.
      const head = this.#sql.getHead.get() as HeadRow
      const { time } = this.#sql.checkpointTime.get() as { time: string }
      const stored = this.#sql.entryHash.get(head.size) as { entry_hash: Buffer } | undefined
      const latest = this.#sql.latestCheckpoint.get() as CheckpointRow | undefined
      const checkpoint = makeCheckpoint(
        {
          origin: this.auditOrigin,
          size: head.size,
          headHash: head.head_hash,
          storedHash: stored?.entry_hash,
          latestNote: latest?.note,
          time: new Date(time),
        },
        sign,
      )
      this.#sql.addCheckpoint.run(checkpoint.size, checkpoint.note, time)
      this.#sql.signHead.run(checkpoint.size, time, null)
      return checkpoint
    })
  }

  async listCheckpoints(): Promise<CheckpointRecord[]> {
    return (this.#run(() => this.#sql.listCheckpoints.all()) as CheckpointRow[]).map(
      checkpointOfRow,
    )
  }

  async latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    const row = this.#run(() => this.#sql.latestCheckpoint.get()) as CheckpointRow | undefined
    return row === undefined ? undefined : checkpointOfRow(row)
  }

  // --- Internals ---

  #addToken(token: NewToken): void {
    this.#sql.addToken.run(token.id, token.email.toLowerCase(), token.hash, token.mintedBy)
  }

  /** @throws `ERR_CONFLICT` when another user than `email` is linked to this OIDC account. */
  #assertOidcFree(link: OidcLink, email: string): void {
    const holder = this.#sql.userByOidc.pluck().get(link.issuer, link.subject) as string | undefined
    if (holder !== undefined && holder !== email) {
      throw new ServerError('ERR_CONFLICT', 'that OIDC account is linked to another user')
    }
  }

  #append(draft: AuditDraft, time?: string): number {
    return appendSqliteRecord(this.#sql, this.#bounds, draft, time, this.#group)
  }

  #policy(id: string, withObjects = true): PolicyRecord | undefined {
    const row = this.#sql.getPolicy.get(id) as PolicyRow | undefined
    if (row === undefined) return undefined
    const objects = withObjects
      ? (this.#sql.listObjects.all(id) as ObjectRow[]).map(objectOfRow)
      : []
    return policyOfRow(row, objects)
  }

  /** Audit rows from a raw read of `seq, record, entry_hash`. */
  #auditRows(read: () => unknown[]): AuditRow[] {
    const rows = this.#run(read) as [number, Buffer, Buffer][]
    return rows.map(([seq, recordBytes, entryHash]) => ({ seq, recordBytes, entryHash }))
  }

  #tx<T>(fn: () => T): T {
    return this.#run(() => this.#db.transaction(fn).immediate())
  }

  #run<T>(fn: () => T): T {
    try {
      return fn()
    } catch (cause) {
      throw this.#storeError(cause)
    }
  }

  #storeError(cause: unknown): ServerError {
    if (cause instanceof ServerError) return cause
    // A record or note the audit code cannot write is the server's bug, not the database's.
    if (cause instanceof AuditError) {
      return new ServerError('ERR_INTERNAL', cause.message, { cause })
    }
    return new ServerError('ERR_STORE_UNAVAILABLE', 'the database failed', { cause })
  }
}

/**
 * The most writes (decisions, new policies) one group commit holds: enough to spread a commit's
 * page writes thin, few enough that the first of them does not wait long for the last.
 */
const GROUP_MAX = 64

/** A write waiting for the next group commit: run in a savepoint of its own. */
interface PendingWrite {
  readonly write: (alone: boolean) => unknown
  readonly resolve: (result: unknown) => void
  readonly reject: (failure: unknown) => void
}

/** The first text past every text that starts with `prefix` (its last character, plus one). */
function pastPrefix(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
}

/** An audit row as `readAudit` and `scanAudit` select it: seq, hash length, hash ‖ record. */
type JoinedAuditRow = [seq: number, hashLength: number, hashAndRecord: Buffer]

// Split at the stored hash's own length, so that a hash of another length (a tampered row) stays
// apart from its record and the verifier names it.
function splitAuditRow([seq, hashLength, both]: JoinedAuditRow): AuditRow {
  return { seq, recordBytes: both.subarray(hashLength), entryHash: both.subarray(0, hashLength) }
}
