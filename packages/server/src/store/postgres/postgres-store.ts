import type pg from 'pg'
import { ServerError } from '../../errors.js'
import { iterateAuditPages } from '../iterate-audit-pages.js'
import { lockdownScopeColumns } from '../lockdown-scope-columns.js'
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
import { addPostgresCheckpoint } from './add-postgres-checkpoint.js'
import { ADVISORY_LOCKS } from './advisory-locks.js'
import { type AppendOptions, appendPostgresRecord } from './append-postgres-record.js'
import { beginLocked } from './begin-locked.js'
import { beginPolicyChange } from './begin-policy-change.js'
import { CheckpointLease } from './checkpoint-lease.js'
import { DATABASE_CLOCK } from './database-clock.js'
import { guardOidcLink } from './guard-oidc-link.js'
import { lockdownReachQuery } from './lockdown-reach-query.js'
import { pipelined } from './pipelined.js'
import { postgresAuditQuery } from './postgres-audit-query.js'
import { postgresPolicyListQuery } from './postgres-policy-list-query.js'
import { POSTGRES_STATEMENT_TIME, postgresPolicyWhere } from './postgres-policy-where.js'
import { PostgresPool } from './postgres-pool.js'
import { readDecision } from './read-decision.js'
import { storeFailure } from './store-failure.js'

const NOW = DATABASE_CLOCK.timestamp

type Db = pg.PoolClient

/**
 * The {@link Store} on PostgreSQL, for any number of instances on one database (see
 * `openPostgresStore`, which opens and migrates it). Every operation is one READ COMMITTED
 * transaction on a pooled connection, with its locks taken in one order (`beginLocked`) and its
 * audit record appended last, with the COMMIT (`appendPostgresRecord`). A decision is two
 * pipelined round trips: BEGIN, the locks and the read; then the append and the COMMIT.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const
  readonly auditOrigin: string
  readonly #pool: PostgresPool
  readonly #bounds: AuditTailBounds
  readonly #lease: CheckpointLease

  /**
   * @param pool the pool, on a migrated database.
   * @param config how the pool connects (the checkpoint lease connects the same way).
   * @param bounds the unsigned-tail bounds appends enforce.
   * @param origin the audit chain's origin, as stored.
   */
  constructor(pool: pg.Pool, config: pg.PoolConfig, bounds: AuditTailBounds, origin: string) {
    this.#pool = new PostgresPool(pool)
    this.#lease = new CheckpointLease(config)
    this.#bounds = bounds
    this.auditOrigin = origin
  }

  async close(): Promise<void> {
    await this.#lease.end()
    await this.#pool.end()
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1')
  }

  async initSetting(name: string, value: string): Promise<string> {
    return this.#pool.transaction(async (db) => {
      await db.query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        name,
        value,
      ])
      const row = await one<{ value: string }>(db, 'SELECT value FROM settings WHERE name = $1', [
        name,
      ])
      return (row as { value: string }).value
    })
  }

  async withStartupLock<T>(fn: () => Promise<T>): Promise<T> {
    const client = await this.#pool.connect()
    try {
      await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCKS.startup.toString()])
    } catch (cause) {
      client.release(true)
      throw storeFailure(cause)
    }
    try {
      return await fn()
    } finally {
      // Closing the connection releases a session lock whatever state it is in.
      client.release(true)
    }
  }

  async holdCheckpointLease(): Promise<boolean> {
    return this.#lease.hold()
  }

  async listServerKeys(): Promise<ServerKeyRecord[]> {
    const rows = await this.#pool.query<ServerKeyRow>(
      'SELECT * FROM server_keys ORDER BY created_at, n',
    )
    return rows.map(serverKeyOfRow)
  }

  async addServerKey(key: ServerKeyRecord, audit: AuditDraft): Promise<void> {
    await this.#pool.transaction(async (db) => {
      await db.query(
        `INSERT INTO server_keys (kid, use, public_key, sealed_private_key, created_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [key.kid, key.use, key.publicKey, key.sealedPrivateKey, key.createdAt],
      )
      await this.#append(db, audit)
    })
  }

  async resealServerKeys(keys: readonly ResealedKey[], audit: AuditDraft): Promise<void> {
    await this.#pool.transaction(async (db) => {
      for (const key of keys) {
        const { rowCount } = await db.query(
          'UPDATE server_keys SET sealed_private_key = $1 WHERE kid = $2 AND sealed_private_key = $3',
          [key.sealedPrivateKey, key.kid, key.previous],
        )
        if (rowCount !== 1) throw resealConflict(key.kid)
      }
      await this.#append(db, audit)
    })
  }

  async createUser(user: NewUser, token: NewToken, audit: AuditDraft): Promise<UserRecord> {
    const email = user.email.toLowerCase()
    return this.#pool.transaction(async (db) => {
      const inserted = await guardOidcLink(db, user.oidc, email, () =>
        one<UserRow>(
          db,
          `INSERT INTO users (email, role, may_assign_owner, created_at, oidc_issuer, oidc_subject)
           VALUES ($1, $2, $3, ${NOW}, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING *`,
          [
            email,
            user.role,
            user.mayAssignOwner,
            user.oidc?.issuer ?? null,
            user.oidc?.subject ?? null,
          ],
        ),
      )
      if (inserted === undefined) {
        throw new ServerError('ERR_CONFLICT', `user ${email} already exists`)
      }
      await insertToken(db, token)
      await this.#append(db, audit)
      return userOfRow(inserted)
    })
  }

  async findUser(email: string): Promise<UserRecord | undefined> {
    const [row] = await this.#pool.query<UserRow>('SELECT * FROM users WHERE email = $1', [
      email.toLowerCase(),
    ])
    return row === undefined ? undefined : userOfRow(row)
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.#pool.query<UserRow>('SELECT * FROM users ORDER BY email')).map(userOfRow)
  }

  async disableUser(given: string, audit: AuditDraft): Promise<UserRecord> {
    const email = given.toLowerCase()
    return this.#pool.transaction(async (db) => {
      const row = await one<UserRow>(
        db,
        `UPDATE users SET disabled_at = coalesce(disabled_at, ${NOW}) WHERE email = $1 RETURNING *`,
        [email],
      )
      if (row === undefined) throw new ServerError('ERR_NOT_FOUND', `no user ${email}`)
      await this.#append(db, audit)
      return userOfRow(row)
    })
  }

  async linkUserOidc(
    given: string,
    link: OidcLink,
    audit: (before: UserRecord) => AuditDraft,
  ): Promise<UserRecord> {
    const email = given.toLowerCase()
    return this.#pool.transaction(async (db) => {
      const before = await one<UserRow>(db, 'SELECT * FROM users WHERE email = $1 FOR UPDATE', [
        email,
      ])
      if (before === undefined) throw new ServerError('ERR_NOT_FOUND', `no user ${email}`)
      const after = await guardOidcLink(db, link, email, () =>
        one<UserRow>(
          db,
          'UPDATE users SET oidc_issuer = $1, oidc_subject = $2 WHERE email = $3 RETURNING *',
          [link.issuer, link.subject, email],
        ),
      )
      await this.#append(db, audit(userOfRow(before)))
      return userOfRow(after as UserRow)
    })
  }

  async addToken(token: NewToken, audit: AuditDraft): Promise<void> {
    await this.#pool.transaction(async (db) => {
      // FOR SHARE: a user disabled concurrently is disabled before or after, never half-way.
      const user = await one(db, 'SELECT 1 FROM users WHERE email = $1 FOR SHARE', [
        token.email.toLowerCase(),
      ])
      if (user === undefined) throw new ServerError('ERR_NOT_FOUND', `no user ${token.email}`)
      await insertToken(db, token)
      await this.#append(db, audit)
    })
  }

  async revokeToken(id: string, audit: AuditDraft): Promise<void> {
    await this.#pool.transaction(async (db) => {
      const { rowCount } = await db.query(
        `UPDATE tokens SET revoked_at = ${NOW} WHERE id = $1 AND revoked_at IS NULL`,
        [id],
      )
      if (rowCount === 0) throw new ServerError('ERR_NOT_FOUND', `no live token ${id}`)
      await this.#append(db, audit)
    })
  }

  async listTokens(email: string): Promise<TokenRecord[]> {
    return (
      await this.#pool.query<TokenRow>(
        'SELECT * FROM tokens WHERE email = $1 ORDER BY created_at, id',
        [email.toLowerCase()],
      )
    ).map(tokenOfRow)
  }

  async findLiveToken(
    hash: Uint8Array,
  ): Promise<{ token: TokenRecord; user: UserRecord } | undefined> {
    const [row] = await this.#pool.query<LiveTokenRow>(
      {
        name: 'latch_find_live_token',
        text: `SELECT t.*, u.role, u.may_assign_owner, u.disabled_at, u.created_at AS user_created_at,
                 u.oidc_issuer, u.oidc_subject
               FROM tokens t JOIN users u ON u.email = t.email
               WHERE t.hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL`,
      },
      [hash],
    )
    return row === undefined ? undefined : liveTokenOfRow(row)
  }

  async createPolicy(
    policy: NewPolicy,
    audit: AuditDraft,
    initial?: InitialObject,
  ): Promise<PolicyRecord> {
    return this.#pool.transaction(async (db) => {
      const row = await one<PolicyRow>(
        db,
        `INSERT INTO policies (id, owner, readers, expires_at, labels, version, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, 1, ${NOW}, $6) ON CONFLICT DO NOTHING RETURNING *`,
        [
          policy.id,
          policy.owner,
          JSON.stringify(policy.readers),
          policy.expiresAt ?? null,
          JSON.stringify(policy.labels),
          policy.createdBy,
        ],
      )
      if (row === undefined) {
        throw new ServerError('ERR_CONFLICT', `policy ${policy.id} already exists`)
      }
      if (initial === undefined) {
        await this.#append(db, audit)
        return policyOfRow(row, [])
      }
      // A policy no other transaction can see yet: no decision to order this registration against.
      const { objectId, coreHash, bucket, key } = initial.object
      await db.query(
        `INSERT INTO policy_objects (policy_id, object_id, core_hash, bucket, key, registered_at)
         VALUES ($1, $2, $3, $4, $5, ${NOW})`,
        [policy.id, objectId, coreHash, bucket ?? null, key ?? null],
      )
      const after = await one<PolicyRow>(
        db,
        'UPDATE policies SET version = version + 1 WHERE id = $1 RETURNING *',
        [policy.id],
      )
      // Both records and the COMMIT go out together, the head lock held for them only.
      const second = initial.audit(policyOfRow(row, []))
      const first = this.#append(db, audit, { commit: false })
      await this.#append(db, second, { preceding: first })
      return policyOfRow(after as PolicyRow, [])
    })
  }

  async getPolicy(
    id: string,
    options: { objects?: boolean } = {},
  ): Promise<PolicyRecord | undefined> {
    const [row] = await this.#pool.query<PolicyRow>('SELECT * FROM policies WHERE id = $1', [id])
    if (row === undefined) return undefined
    const objects =
      options.objects === false
        ? []
        : await this.#pool.query<ObjectRow>(
            'SELECT * FROM policy_objects WHERE policy_id = $1 ORDER BY registered_at, n',
            [id],
          )
    return policyOfRow(row, objects.map(objectOfRow))
  }

  async addPolicyObject(
    policyId: string,
    object: NewPolicyObject,
    audit: (before: PolicyRecord) => AuditDraft,
  ): Promise<PolicyRecord> {
    return this.#pool.transaction({ begin: 'pipelined' }, async (db) => {
      // The objects decide which bucket lockdowns cover the policy: adding one is a policy
      // change, ordered against decisions like the others.
      const before = await beginPolicyChange(db, policyId)
      if (before === undefined) throw new ServerError('ERR_NOT_FOUND', `no policy ${policyId}`)
      const existing = await one<{ core_hash: string }>(
        db,
        'SELECT core_hash FROM policy_objects WHERE policy_id = $1 AND object_id = $2 LIMIT 1',
        [policyId, object.objectId],
      )
      if (existing !== undefined && existing.core_hash !== object.coreHash) {
        throw new ServerError('ERR_CONFLICT', 'object id already registered with another header')
      }
      // Never an update: every location stays, and lockdowns cover a policy by any of them.
      const { rowCount } = await db.query(
        `INSERT INTO policy_objects (policy_id, object_id, core_hash, bucket, key, registered_at)
         VALUES ($1, $2, $3, $4, $5, ${NOW}) ON CONFLICT DO NOTHING`,
        [policyId, object.objectId, object.coreHash, object.bucket ?? null, object.key ?? null],
      )
      // A location registered already: nothing changes, so no version and no record.
      if (rowCount === 0) return before
      const after = await one<PolicyRow>(
        db,
        'UPDATE policies SET version = version + 1 WHERE id = $1 RETURNING *',
        [policyId],
      )
      await this.#append(db, audit(before))
      return policyOfRow(after as PolicyRow, [])
    })
  }

  async changePolicy(id: string, change: PolicyChange): Promise<PolicyRecord> {
    return this.#pool.transaction({ begin: 'pipelined' }, async (db) => {
      const before = await beginPolicyChange(db, id)
      if (before === undefined) throw new ServerError('ERR_NOT_FOUND', `no policy ${id}`)
      const { patch, audit } = change(before)
      const { readers, expiresAt, revocation } = mergePolicyPatch(before, patch)
      const updated = db.query<PolicyRow>(
        `UPDATE policies SET readers = $1, expires_at = $2, revoked_by = $3, revoked_at = $4,
           revoked_reason = $5, version = version + 1 WHERE id = $6 RETURNING *`,
        [
          JSON.stringify(readers),
          expiresAt ?? null,
          revocation?.by ?? null,
          revocation?.at ?? null,
          revocation?.reason ?? null,
          id,
        ],
      )
      await this.#append(db, audit, { preceding: updated })
      return policyOfRow((await updated).rows[0] as PolicyRow, [])
    })
  }

  async listPolicies(filter: PolicyFilter, page: PolicyPage): Promise<PolicyRecord[]> {
    const { text, values } = postgresPolicyListQuery(filter, page)
    const rows = await this.#pool.query<PolicyRow>(text, values)
    if (rows.length === 0) return []
    const objects = new Map<string, ObjectRow[]>(rows.map((r) => [r.id, []]))
    const listed = await this.#pool.query<ObjectRow>(
      'SELECT * FROM policy_objects WHERE policy_id = ANY($1::text[]) ORDER BY registered_at, n',
      [rows.map((r) => r.id)],
    )
    for (const row of listed) objects.get(row.policy_id)?.push(row)
    return rows.map((r) => policyOfRow(r, (objects.get(r.id) ?? []).map(objectOfRow)))
  }

  async countPolicies(filter: PolicyFilter): Promise<PolicyCounts> {
    const values: unknown[] = []
    const where = postgresPolicyWhere(filter, values)
    const [row] = await this.#pool.query<{
      total: number
      revoked: number
      expired: number
      at: Date
    }>(
      `SELECT count(*)::int AS total, count(p.revoked_at)::int AS revoked,
         count(*) FILTER (WHERE p.revoked_at IS NULL
           AND p.expires_at <= ${POSTGRES_STATEMENT_TIME})::int AS expired,
         ${POSTGRES_STATEMENT_TIME} AS at
       FROM policies p WHERE ${where}`,
      values,
    )
    const { total, revoked, expired, at } = row as NonNullable<typeof row>
    return { total, active: total - revoked - expired, revoked, expired, at }
  }

  async addLockdownRule(
    rule: NewLockdownRule,
    audit: (rule: LockdownRule) => AuditDraft,
  ): Promise<LockdownRule> {
    return this.#pool.transaction({ begin: 'pipelined' }, async (db) => {
      const { bucket, prefix, owner } = lockdownScopeColumns(rule.scope)
      const [, inserted] = await pipelined(db, () => [
        db.query(beginLocked.rulesChange()),
        db.query<LockdownRow>(
          `INSERT INTO lockdown_rules (id, scope_kind, bucket, prefix, owner, reason, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, ${NOW}) ON CONFLICT DO NOTHING RETURNING *`,
          [rule.id, rule.scope.kind, bucket, prefix, owner, rule.reason, rule.createdBy],
        ),
      ])
      const row = inserted?.rows[0]
      if (row === undefined) {
        throw new ServerError('ERR_CONFLICT', `rule ${rule.id} already exists`)
      }
      const added = lockdownOfRow(row)
      await this.#append(db, audit(added))
      return added
    })
  }

  async liftLockdownRule(id: string, lift: LockdownRuleLift): Promise<LockdownRule> {
    return this.#pool.transaction({ begin: 'pipelined' }, async (db) => {
      const [, selected] = await pipelined(db, () => [
        db.query(beginLocked.rulesChange()),
        db.query<LockdownRow>('SELECT * FROM lockdown_rules WHERE id = $1', [id]),
      ])
      const row = selected?.rows[0]
      if (row === undefined) throw new ServerError('ERR_NOT_FOUND', `no lockdown rule ${id}`)
      const before = lockdownOfRow(row)
      if (before.lifted !== undefined) {
        throw new ServerError('ERR_CONFLICT', `lockdown rule ${id} is lifted already`)
      }
      const { by, reason, audit } = lift(before)
      const lifted = db.query<LockdownRow>(
        `UPDATE lockdown_rules SET lifted_by = $2, lifted_at = ${NOW}, lifted_reason = $3
         WHERE id = $1 RETURNING *`,
        [id, by, reason ?? null],
      )
      await this.#append(db, audit, { preceding: lifted })
      return lockdownOfRow((await lifted).rows[0] as LockdownRow)
    })
  }

  async listLockdownRules(options: { includeLifted?: boolean } = {}): Promise<LockdownRule[]> {
    const rows = await this.#pool.query<LockdownRow>(
      `SELECT * FROM lockdown_rules ${options.includeLifted === true ? '' : 'WHERE lifted_at IS NULL'}
       ORDER BY n`,
    )
    return rows.map(lockdownOfRow)
  }

  async measureLockdown(scope: LockdownScope): Promise<LockdownReach> {
    const { text, values } = lockdownReachQuery(scope)
    const [row] = await this.#pool.query<{ policies: number; objects: number }>(text, values)
    return { policies: row?.policies ?? 0, objects: row?.objects ?? 0 }
  }

  async decide(input: DecisionInput): Promise<DecisionResult> {
    return this.#pool.transaction({ begin: 'pipelined' }, async (db) => {
      const { policy, now, lockdowns } = await readDecision(db, input.policyId)
      const verdict = input.judge(policy, new Date(now), lockdowns)
      // The record's time is the time the judgement used.
      const seq = await this.#append(db, input.record(verdict, policy), { time: now })
      return { verdict, seq }
    })
  }

  async appendAudit(audit: AuditDraft): Promise<number> {
    return this.#pool.transaction((db) => this.#append(db, audit))
  }

  async auditHead(): Promise<AuditHead> {
    const [row] = await this.#pool.query<HeadRow>('SELECT * FROM audit_head WHERE id = 1')
    return auditHeadOfRow(row as HeadRow)
  }

  async readAudit(afterSeq: number, limit: number): Promise<AuditRow[]> {
    const rows = await this.#pool.query<StoredAuditRow>(
      'SELECT seq, record, entry_hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    )
    return rows.map(toAuditRow)
  }

  async queryAudit(filter: AuditFilter, page: AuditPage): Promise<AuditRow[]> {
    const { text, values } = postgresAuditQuery(filter, page)
    return (await this.#pool.query<StoredAuditRow>(text, values)).map(toAuditRow)
  }

  iterateAudit(afterSeq = 0): AsyncIterable<AuditRow> {
    return iterateAuditPages((after, limit) => this.readAudit(after, limit), afterSeq)
  }

  async addCheckpoint(sign: CheckpointSign): Promise<CheckpointRecord> {
    return this.#pool.transaction((db) => addPostgresCheckpoint(db, this.auditOrigin, sign))
  }

  async listCheckpoints(): Promise<CheckpointRecord[]> {
    const rows = await this.#pool.query<CheckpointRow>(
      'SELECT size, note, signed_at FROM checkpoints ORDER BY n',
    )
    return rows.map(checkpointOfRow)
  }

  async latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    const [row] = await this.#pool.query<CheckpointRow>(
      'SELECT size, note, signed_at FROM checkpoints ORDER BY n DESC LIMIT 1',
    )
    return row === undefined ? undefined : checkpointOfRow(row)
  }

  // --- Internals ---

  /** Appends the record and commits (see `appendPostgresRecord`): the transaction's last step. */
  async #append(db: Db, draft: AuditDraft, options?: AppendOptions): Promise<number> {
    if (options?.commit !== false) this.#pool.committed(db)
    return appendPostgresRecord(db, draft, this.#bounds, options)
  }
}

/** An `audit_log` row as the verifier reads it. */
interface StoredAuditRow {
  seq: number
  record: Buffer
  entry_hash: Buffer
}

function toAuditRow(row: StoredAuditRow): AuditRow {
  return { seq: row.seq, recordBytes: row.record, entryHash: row.entry_hash }
}

async function insertToken(db: Db, token: NewToken): Promise<void> {
  await db.query(
    `INSERT INTO tokens (id, email, hash, created_at, minted_by) VALUES ($1, $2, $3, ${NOW}, $4)`,
    [token.id, token.email.toLowerCase(), token.hash, token.mintedBy],
  )
}

async function one<R extends pg.QueryResultRow>(
  db: Db,
  query: string | { name: string; text: string },
  values: unknown[] = [],
): Promise<R | undefined> {
  const config = typeof query === 'string' ? { text: query, values } : { ...query, values }
  return (await db.query<R>(config)).rows[0]
}
