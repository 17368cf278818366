import { randomBytes } from 'node:crypto'
import { closeSync, openSync } from 'node:fs'
import { AuditError, genesisHash, sealRecord } from '@latch/audit'
import Database from 'better-sqlite3'
import { ServerError } from '../../errors.js'
import { checkCheckpointNote } from '../check-checkpoint-note.js'
import {
  type LockdownRow,
  lockdownOfRow,
  type ObjectRow,
  objectOfRow,
  type PolicyRow,
  policyOfRow,
  type TokenRow,
  tokenOfRow,
  type UserRow,
  userOfRow,
} from '../record-of-row.js'
import type {
  AuditDraft,
  AuditFilter,
  AuditHead,
  AuditRow,
  CheckpointRecord,
  DecisionInput,
  DecisionResult,
  LockdownReach,
  LockdownRule,
  LockdownScope,
  NewLockdownRule,
  NewPolicy,
  NewPolicyObject,
  OidcLink,
  PolicyRecord,
  ServerKeyRecord,
  TokenRecord,
  UserRecord,
} from '../records.js'
import type {
  AuditTailBounds,
  CheckpointSign,
  NewToken,
  NewUser,
  PolicyPatch,
  Store,
} from '../store.js'
import { SQLITE_MIGRATIONS } from './schema.js'

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. */
  readonly file: string
  readonly tailBounds: AuditTailBounds
  /**
   * `NORMAL` (default) survives a killed process, the WAL being in the OS cache; `FULL` also
   * survives a power loss, at one fsync per decision.
   */
  readonly synchronous?: 'NORMAL' | 'FULL'
  /** Open an existing database read-only (the verifier): no migration, no write. */
  readonly readonly?: boolean
}

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`

/**
 * Opens (and migrates) the embedded SQLite store: one file in WAL mode, written by this process.
 * Each operation is one synchronous `BEGIN IMMEDIATE` transaction, so decisions, policy changes
 * and audit appends are serialized and the chain's order is the commit order.
 *
 * @throws ServerError `ERR_STORE_UNAVAILABLE` when the file cannot be opened or migrated.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  try {
    if (options.readonly === true) {
      const db = new Database(options.file, { readonly: true, fileMustExist: true })
      db.pragma('busy_timeout = 5000')
      const origin = db.prepare("SELECT value FROM settings WHERE name = 'audit_origin'").get() as
        | { value: string }
        | undefined
      if (origin === undefined) throw new Error('not a Latch database')
      return new SqliteStore(db, options.tailBounds, origin.value)
    }
    // The database holds sealed keys and token hashes: owner-only, like root.key. SQLite gives
    // the -wal and -shm files the database file's mode.
    if (options.file !== ':memory:') closeSync(openSync(options.file, 'a', 0o600))
    const db = new Database(options.file)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`)
    db.pragma('busy_timeout = 5000')
    db.pragma('foreign_keys = ON')
    migrate(db)
    const origin = `latch-audit/${randomBytes(9).toString('base64url')}`
    db.transaction(() => {
      db.prepare('INSERT INTO settings VALUES (?, ?) ON CONFLICT DO NOTHING').run(
        'audit_origin',
        origin,
      )
      const stored = (
        db.prepare("SELECT value FROM settings WHERE name = 'audit_origin'").get() as {
          value: string
        }
      ).value
      db.prepare(
        'INSERT INTO audit_head (id, size, head_hash, signed_size) VALUES (1, 0, ?, 0) ON CONFLICT DO NOTHING',
      ).run(genesisHash(stored))
    }).immediate()
    const stored = db.prepare("SELECT value FROM settings WHERE name = 'audit_origin'").get() as {
      value: string
    }
    return new SqliteStore(db, options.tailBounds, stored.value)
  } catch (cause) {
    throw new ServerError('ERR_STORE_UNAVAILABLE', `cannot open database ${options.file}`, {
      cause,
    })
  }
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number
  for (let version = current; version < SQLITE_MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(SQLITE_MIGRATIONS[version] as string)
      db.pragma(`user_version = ${version + 1}`)
    }).immediate()
  }
}

interface HeadRow {
  size: number
  head_hash: Buffer
  signed_size: number
  signed_at: string | null
  first_unsigned_at: string | null
}

class SqliteStore implements Store {
  readonly kind = 'sqlite' as const
  readonly auditOrigin: string
  readonly #db: Database.Database
  readonly #bounds: AuditTailBounds
  readonly #sql

  constructor(db: Database.Database, bounds: AuditTailBounds, origin: string) {
    this.#db = db
    this.#bounds = bounds
    this.#sql = prepare(db)
    this.auditOrigin = origin
  }

  async close(): Promise<void> {
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
    const rows = this.#run(() => this.#sql.listKeys.all()) as {
      kid: string
      use: 'wrap' | 'checkpoint'
      public_key: Buffer
      sealed_private_key: Buffer
      created_at: string
    }[]
    return rows.map((r) => ({
      kid: r.kid,
      use: r.use,
      publicKey: r.public_key,
      sealedPrivateKey: r.sealed_private_key,
      createdAt: new Date(r.created_at),
    }))
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
    const row = this.#run(() => this.#sql.findLiveToken.get(hash)) as
      | (TokenRow & UserRow & { user_created_at: string })
      | undefined
    if (row === undefined) return undefined
    return {
      token: tokenOfRow(row),
      user: userOfRow({ ...row, created_at: row.user_created_at }),
    }
  }

  async createPolicy(policy: NewPolicy, audit: AuditDraft): Promise<PolicyRecord> {
    return this.#tx(() => {
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
      return this.#policy(policy.id) as PolicyRecord
    })
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

  async changePolicy(
    id: string,
    change: (before: PolicyRecord) => { readonly patch: PolicyPatch; readonly audit: AuditDraft },
  ): Promise<PolicyRecord> {
    return this.#tx(() => {
      const before = this.#policy(id, false)
      if (before === undefined) throw new ServerError('ERR_NOT_FOUND', `no policy ${id}`)
      const { patch, audit } = change(before)
      const readers = patch.readers ?? before.readers
      const expiresAt =
        patch.expiresAt === undefined ? before.expiresAt : (patch.expiresAt ?? undefined)
      const revocation =
        patch.revocation === undefined ? before.revocation : (patch.revocation ?? undefined)
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

  async decide(input: DecisionInput): Promise<DecisionResult> {
    return this.#tx(() => {
      // The judgement needs the policy row, not the list of its objects: skip that query.
      const policy = this.#policy(input.policyId, false)
      const lockdowns =
        policy === undefined
          ? []
          : (this.#sql.coveringRules
              .pluck()
              .all({ policy: policy.id, owner: policy.owner }) as string[])
      const time = (this.#sql.now.get() as { now: string }).now
      const verdict = input.judge(policy, new Date(time), lockdowns)
      const seq = this.#append(input.record(verdict, policy), time)
      return { verdict, seq }
    })
  }

  async addLockdownRule(
    rule: NewLockdownRule,
    audit: (rule: LockdownRule) => AuditDraft,
  ): Promise<LockdownRule> {
    return this.#tx(() => {
      if (this.#sql.getRule.get(rule.id) !== undefined) {
        throw new ServerError('ERR_CONFLICT', `lockdown rule ${rule.id} already exists`)
      }
      const { scope } = rule
      this.#sql.addRule.run(
        rule.id,
        scope.kind,
        scope.kind === 'bucket' ? scope.bucket : null,
        scope.kind === 'bucket' ? scope.prefix : null,
        scope.kind === 'owner' ? scope.owner : null,
        rule.reason,
        rule.createdBy,
      )
      const added = lockdownOfRow(this.#sql.getRule.get(rule.id) as LockdownRow)
      this.#append(audit(added))
      return added
    })
  }

  async liftLockdownRule(
    id: string,
    lift: (rule: LockdownRule) => {
      readonly by: string
      readonly reason: string | undefined
      readonly audit: AuditDraft
    },
  ): Promise<LockdownRule> {
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
    const row = this.#run(() => this.#sql.getHead.get()) as HeadRow
    return {
      size: row.size,
      headHash: row.head_hash,
      signedSize: row.signed_size,
      signedAt: optionalDate(row.signed_at),
      firstUnsignedAt: optionalDate(row.first_unsigned_at),
    }
  }

  async readAudit(afterSeq: number, limit: number): Promise<AuditRow[]> {
    const rows = this.#run(() => this.#sql.readAudit.raw().all(afterSeq, limit)) as [
      number,
      Buffer,
      Buffer,
    ][]
    return rows.map(([seq, recordBytes, entryHash]) => ({ seq, recordBytes, entryHash }))
  }

  async queryAudit(filter: AuditFilter, afterSeq: number, limit: number): Promise<AuditRow[]> {
    const where = ['i.seq > ?']
    const values: unknown[] = [afterSeq]
    if (filter.policyId !== undefined) {
      where.push('i.policy_id = ?')
      values.push(filter.policyId)
    }
    if (filter.actor !== undefined) {
      where.push('i.actor = ?')
      values.push(filter.actor)
    }
    if (filter.type?.endsWith('.*') === true) {
      const family = filter.type.slice(0, -1)
      where.push('substr(i.type, 1, ?) = ?')
      values.push(family.length, family)
    } else if (filter.type !== undefined) {
      where.push('i.type = ?')
      values.push(filter.type)
    }
    if (filter.since !== undefined) {
      where.push('i.time >= ?')
      values.push(filter.since.toISOString())
    }
    if (filter.until !== undefined) {
      where.push('i.time < ?')
      values.push(filter.until.toISOString())
    }
    values.push(limit)
    const rows = this.#run(() =>
      this.#db
        .prepare(
          `SELECT a.seq, a.record, a.entry_hash FROM audit_index i JOIN audit_log a USING (seq)
           WHERE ${where.join(' AND ')} ORDER BY i.seq LIMIT ?`,
        )
        .raw()
        .all(...values),
    ) as [number, Buffer, Buffer][]
    return rows.map(([seq, recordBytes, entryHash]) => ({ seq, recordBytes, entryHash }))
  }

  async *iterateAudit(afterSeq = 0): AsyncIterable<AuditRow> {
    // Pages, not one open iterator: better-sqlite3 forbids writes on a connection while one of its
    // statements iterates, and the server keeps writing while the verifier reads.
    let next = afterSeq
    for (;;) {
      const page = await this.readAudit(next, 10_000)
      for (const row of page) yield row
      if (page.length < 10_000) return
      next = (page[page.length - 1] as AuditRow).seq
    }
  }

  scanAudit(): Iterable<AuditRow> | undefined {
    if (!this.#db.readonly) return undefined
    const rows = this.#sql.scanAudit.raw().iterate() as IterableIterator<[number, Buffer, Buffer]>
    return {
      *[Symbol.iterator]() {
        for (const [seq, recordBytes, entryHash] of rows) yield { seq, recordBytes, entryHash }
      },
    }
  }

  async addCheckpoint(sign: CheckpointSign): Promise<CheckpointRecord> {
    return this.#tx(() => {
      // BEGIN IMMEDIATE holds the write lock, which is the chain-head lock here: no record is
      // appended between reading the head and storing its checkpoint.
      const head = this.#sql.getHead.get() as HeadRow
      const at =
        head.size === 0
          ? genesisHash(this.auditOrigin)
          : (this.#sql.entryHash.get(head.size) as { entry_hash: Buffer } | undefined)?.entry_hash
      if (at === undefined || !head.head_hash.equals(at)) {
        throw new ServerError('ERR_CONFLICT', 'the chain head does not match the stored chain')
      }
      const { time } = this.#sql.checkpointTime.get() as { time: string }
      const signedAt = new Date(time)
      const note = sign(head.size, head.head_hash, signedAt)
      const latest = this.#sql.latestCheckpoint.get() as { note: string } | undefined
      checkCheckpointNote(
        note,
        { size: head.size, headHash: head.head_hash, time: signedAt },
        latest?.note,
      )
      this.#sql.addCheckpoint.run(head.size, note, time)
      this.#sql.signHead.run(head.size, time, null)
      return { size: head.size, note, signedAt }
    })
  }

  async listCheckpoints(): Promise<CheckpointRecord[]> {
    const rows = this.#run(() => this.#sql.listCheckpoints.all()) as {
      size: number
      note: string
      signed_at: string
    }[]
    return rows.map((r) => ({ size: r.size, note: r.note, signedAt: new Date(r.signed_at) }))
  }

  async latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    const row = this.#run(() => this.#sql.latestCheckpoint.get()) as
      | { size: number; note: string; signed_at: string }
      | undefined
    return row === undefined
      ? undefined
      : { size: row.size, note: row.note, signedAt: new Date(row.signed_at) }
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

  #append(draft: AuditDraft, now?: string): number {
    const head = this.#sql.getHead.get() as HeadRow
    const time = now ?? (this.#sql.now.get() as { now: string }).now
    const unsigned = head.size - head.signed_size
    const oldest = head.first_unsigned_at === null ? undefined : Date.parse(head.first_unsigned_at)
    if (
      unsigned >= this.#bounds.maxUnsignedRecords ||
      (oldest !== undefined && Date.parse(time) - oldest > this.#bounds.maxUnsignedAgeMs)
    ) {
      throw new ServerError('ERR_AUDIT_UNAVAILABLE', 'the unsigned audit tail is past its bound')
    }
    const seq = head.size + 1
    const sealed = sealRecord(draft, seq, time, head.head_hash)
    try {
      this.#sql.appendAudit.run(seq, sealed.recordBytes, sealed.entryHash)
      this.#sql.indexAudit.run(seq, draft.type, actorEmailOf(draft), policyIdOf(draft), time)
      this.#sql.advanceHead.run(seq, sealed.entryHash, time)
    } catch (cause) {
      throw new ServerError('ERR_AUDIT_UNAVAILABLE', 'the audit record could not be written', {
        cause,
      })
    }
    return seq
  }

  #policy(id: string, withObjects = true): PolicyRecord | undefined {
    const row = this.#sql.getPolicy.get(id) as PolicyRow | undefined
    if (row === undefined) return undefined
    const objects = withObjects
      ? (this.#sql.listObjects.all(id) as ObjectRow[]).map(objectOfRow)
      : []
    return policyOfRow(row, objects)
  }

  #tx<T>(fn: () => T): T {
    return this.#run(() => this.#db.transaction(fn).immediate())
  }

  #run<T>(fn: () => T): T {
    try {
      return fn()
    } catch (cause) {
      if (cause instanceof ServerError) throw cause
      // A record or note the audit code cannot write is the server's bug, not the database's.
      if (cause instanceof AuditError) {
        throw new ServerError('ERR_INTERNAL', cause.message, { cause })
      }
      throw new ServerError('ERR_STORE_UNAVAILABLE', 'the database failed', { cause })
    }
  }
}

function prepare(db: Database.Database) {
  return {
    now: db.prepare(`SELECT ${NOW} AS now`),
    initSetting: db.prepare(
      'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING',
    ),
    getSetting: db.prepare('SELECT value FROM settings WHERE name = ?'),
    listKeys: db.prepare('SELECT * FROM server_keys ORDER BY created_at, kid'),
    addKey: db.prepare('INSERT INTO server_keys VALUES (?, ?, ?, ?, ?)'),
    getUser: db.prepare('SELECT * FROM users WHERE email = ?'),
    listUsers: db.prepare('SELECT * FROM users ORDER BY email'),
    addUser: db.prepare(
      `INSERT INTO users (email, role, may_assign_owner, created_at, oidc_issuer, oidc_subject)
       VALUES (?, ?, ?, ${NOW}, ?, ?)`,
    ),
    linkUser: db.prepare('UPDATE users SET oidc_issuer = ?, oidc_subject = ? WHERE email = ?'),
    userByOidc: db.prepare('SELECT email FROM users WHERE oidc_issuer = ? AND oidc_subject = ?'),
    disableUser: db.prepare(
      `UPDATE users SET disabled_at = ${NOW} WHERE email = ? AND disabled_at IS NULL`,
    ),
    addToken: db.prepare(
      `INSERT INTO tokens (id, email, hash, created_at, minted_by) VALUES (?, ?, ?, ${NOW}, ?)`,
    ),
    revokeToken: db.prepare(
      `UPDATE tokens SET revoked_at = ${NOW} WHERE id = ? AND revoked_at IS NULL`,
    ),
    listTokens: db.prepare('SELECT * FROM tokens WHERE email = ? ORDER BY created_at, id'),
    findLiveToken: db.prepare(
      `SELECT t.*, u.role, u.may_assign_owner, u.disabled_at, u.created_at AS user_created_at,
         u.oidc_issuer, u.oidc_subject
       FROM tokens t JOIN users u ON u.email = t.email
       WHERE t.hash = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL`,
    ),
    getPolicy: db.prepare('SELECT * FROM policies WHERE id = ?'),
    addPolicy: db.prepare(
      `INSERT INTO policies VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, 1, ${NOW}, ?)`,
    ),
    bumpPolicy: db.prepare('UPDATE policies SET version = version + 1 WHERE id = ?'),
    changePolicy: db.prepare(
      `UPDATE policies SET readers = ?, expires_at = ?, revoked_by = ?, revoked_at = ?,
         revoked_reason = ?, version = version + 1 WHERE id = ?`,
    ),
    listObjects: db.prepare(
      'SELECT * FROM policy_objects WHERE policy_id = ? ORDER BY registered_at, rowid',
    ),
    getObject: db.prepare(
      'SELECT core_hash FROM policy_objects WHERE policy_id = ? AND object_id = ? LIMIT 1',
    ),
    // Never an update: every location stays, and lockdowns cover a policy by any of them.
    addObject: db.prepare(
      `INSERT INTO policy_objects VALUES (?, ?, ?, ?, ?, ${NOW}) ON CONFLICT DO NOTHING`,
    ),
    getRule: db.prepare('SELECT * FROM lockdown_rules WHERE id = ?'),
    addRule: db.prepare(
      `INSERT INTO lockdown_rules VALUES (?, ?, ?, ?, ?, ?, ?, ${NOW}, NULL, NULL, NULL)`,
    ),
    liftRule: db.prepare(
      `UPDATE lockdown_rules SET lifted_by = ?, lifted_at = ${NOW}, lifted_reason = ? WHERE id = ?`,
    ),
    activeRules: db.prepare(
      'SELECT * FROM lockdown_rules WHERE lifted_at IS NULL ORDER BY created_at, id',
    ),
    allRules: db.prepare('SELECT * FROM lockdown_rules ORDER BY created_at, id'),
    // Prefixes compare with substr, not LIKE: '%' and '_' in a prefix are literal characters.
    // Every registered location of the policy counts. `+o.bucket` keeps the planner on the index
    // by policy (the policy's few locations): on the (bucket, key) index each rule walked every
    // object of the bucket, 1.4 s per decision with 10 rules over a bucket of 1,000,000 objects
    // (bench: lockdown).
    coveringRules: db.prepare(
      `SELECT r.id FROM lockdown_rules r WHERE r.lifted_at IS NULL AND (
         r.scope_kind = 'all'
         OR (r.scope_kind = 'owner' AND r.owner = @owner)
         OR (r.scope_kind = 'bucket' AND EXISTS (
           SELECT 1 FROM policy_objects o WHERE o.policy_id = @policy AND +o.bucket = r.bucket
             AND substr(o.key, 1, length(r.prefix)) = r.prefix)))
       ORDER BY r.created_at, r.id`,
    ),
    reachAll: db.prepare(
      `SELECT (SELECT count(*) FROM policies) AS policies,
         (SELECT count(*) FROM policy_objects) AS objects`,
    ),
    reachOwner: db.prepare(
      `SELECT (SELECT count(*) FROM policies WHERE owner = ?) AS policies,
         (SELECT count(*) FROM policy_objects o JOIN policies p ON p.id = o.policy_id
          WHERE p.owner = ?) AS objects`,
    ),
    reachBucket: db.prepare(
      `SELECT count(DISTINCT policy_id) AS policies, count(*) AS objects FROM policy_objects
       WHERE bucket = @bucket AND substr(key, 1, length(@prefix)) = @prefix`,
    ),
    getHead: db.prepare('SELECT * FROM audit_head WHERE id = 1'),
    advanceHead: db.prepare(
      `UPDATE audit_head SET size = ?, head_hash = ?,
         first_unsigned_at = coalesce(first_unsigned_at, ?) WHERE id = 1`,
    ),
    signHead: db.prepare(
      'UPDATE audit_head SET signed_size = ?, signed_at = ?, first_unsigned_at = ? WHERE id = 1',
    ),
    appendAudit: db.prepare('INSERT INTO audit_log (seq, record, entry_hash) VALUES (?, ?, ?)'),
    readAudit: db.prepare(
      'SELECT seq, record, entry_hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
    indexAudit: db.prepare('INSERT INTO audit_index VALUES (?, ?, ?, ?, ?)'),
    entryHash: db.prepare('SELECT entry_hash FROM audit_log WHERE seq = ?'),
    scanAudit: db.prepare('SELECT seq, record, entry_hash FROM audit_log ORDER BY seq'),
    // The database clock records use, never before the newest record time or the previous
    // checkpoint's (a clock stepped back): a checkpoint is never timed before a record it covers.
    // ISO 8601 text in one format compares as time; max() of text is the latest.
    checkpointTime: db.prepare(
      `SELECT max(${NOW}, ifnull((SELECT max(time) FROM audit_index), ''),
         ifnull((SELECT signed_at FROM checkpoints ORDER BY rowid DESC LIMIT 1), '')) AS time`,
    ),
    addCheckpoint: db.prepare('INSERT INTO checkpoints (size, note, signed_at) VALUES (?, ?, ?)'),
    listCheckpoints: db.prepare('SELECT * FROM checkpoints ORDER BY rowid'),
    latestCheckpoint: db.prepare('SELECT * FROM checkpoints ORDER BY rowid DESC LIMIT 1'),
  }
}

function optionalDate(value: string | null): Date | undefined {
  return value === null ? undefined : new Date(value)
}

function actorEmailOf(draft: AuditDraft): string | null {
  const actor = draft.actor
  if (typeof actor !== 'object' || actor === null || Array.isArray(actor)) return null
  const email = (actor as Record<string, unknown>).email
  return typeof email === 'string' ? email : null
}

function policyIdOf(draft: AuditDraft): string | null {
  return typeof draft.policy_id === 'string' ? draft.policy_id : null
}
