import { createHash, randomBytes } from 'node:crypto'
import { AuditError, genesisHash } from '@latch/audit'
import pg from 'pg'
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
import { POSTGRES_MIGRATIONS } from './schema.js'
import { splitRecord } from './split-record.js'

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database?…` (libpq URL; `sslmode` and the rest apply). */
  readonly url: string
  /**
   * The password, when the URL holds none (from a file or the environment: see
   * `databasePassword`). Without it the driver reads `PGPASSWORD` or `~/.pgpass`.
   */
  readonly password?: string | undefined
  readonly tailBounds: AuditTailBounds
  /** Connections in this instance's pool (default 10). */
  readonly poolSize?: number
  /** A statement that runs longer fails, and its operation with 503 (default 5,000 ms). */
  readonly statementTimeoutMs?: number
  /** How long to wait for a connection before answering 503 (default 5,000 ms). */
  readonly connectTimeoutMs?: number
}

// Advisory lock keys (one 64-bit space per database): "LATC" and a number.
const MIGRATION_LOCK = 0x4c415443_0001n
const STARTUP_LOCK = 0x4c415443_0002n
const CHECKPOINT_LEASE = 0x4c415443_0003n
/**
 * Decisions hold it shared, lockdown rule changes exclusively. A new rule is a new row, which no
 * row lock of a decision conflicts with: without this lock a decision could read the rules before
 * a lockdown commits, and commit a release after the lockdown was acknowledged.
 */
const RULES_LOCK = 0x4c415443_0004n
/**
 * The first key of a policy's lock (`pg_advisory_xact_lock(POLICY_LOCKS, hash of the id)`):
 * decisions hold it shared, changes of the policy exclusively (see {@link policyLock}).
 */
const POLICY_LOCKS = 0x4c41_5450

// The database clock, at millisecond precision: what a Date holds and the SQLite store writes.
const NOW = `date_trunc('milliseconds', clock_timestamp())`
const NOW_TEXT = `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

const INT8_OID = 20
// The SQLSTATE latch_append raises when the unsigned tail is past its bound.
const TAIL_BOUND = 'LT001'
// The SQLSTATE latch_append raises for a record timed more than AUDIT_TIME_TOLERANCE_MS before
// its append (a decision that stalled between its judgement and the chain head).
const TIMED_TOO_EARLY = 'LT002'
// The SQLSTATE of a text value with a NUL character.
const CHARACTER_NOT_IN_REPERTOIRE = '22021'
const UNIQUE_VIOLATION = '23505'

/**
 * Opens (and migrates) the PostgreSQL store: a connection pool through which any number of
 * key-server instances share one database. Every operation is one READ COMMITTED transaction that
 * takes its locks in one fixed order (the lockdown-rules advisory lock, the policy's advisory
 * lock, the audit head row last), so the audit chain's order is the commit order whichever
 * instance wrote each record. Migrations run on open under an advisory lock, so instances may
 * start together.
 *
 * @throws ServerError `ERR_STORE_UNAVAILABLE` when the database cannot be reached or migrated.
 * @example
 * ```ts
 * const store = await openPostgresStore({
 *   url: 'postgres://latch@db.internal/latch',
 *   tailBounds: { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 },
 * })
 * ```
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const timeout = options.statementTimeoutMs ?? 5_000
  const config: pg.PoolConfig = {
    connectionString:
      options.password === undefined ? options.url : withPassword(options.url, options.password),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    statement_timeout: timeout,
    // A transaction left open by a stalled instance would hold the audit head: end it.
    idle_in_transaction_session_timeout: Math.max(timeout * 2, 10_000),
    keepAlive: true,
    // Statements that do not wait for each other's answers go out together (a decision takes
    // two round trips, not five); each still runs in order, in the same transaction.
    pipeline: true,
    application_name: 'latch-server',
    types: { getTypeParser: typeParser as pg.CustomTypesConfig['getTypeParser'] },
  }
  const pool = new pg.Pool(config)
  // An idle connection that breaks (the database restarted) is dropped by the pool; without a
  // listener the error would end the process.
  pool.on('error', () => undefined)
  try {
    const origin = await migrate(pool)
    return new PostgresStore(pool, config, options.tailBounds, origin)
  } catch (cause) {
    await pool.end().catch(() => undefined)
    if (cause instanceof ServerError) throw cause
    throw new ServerError(
      'ERR_STORE_UNAVAILABLE',
      `cannot open database ${redactUrl(options.url)}`,
      {
        cause,
      },
    )
  }
}

// The driver lets a connection string's (empty) password override a `password` option, so the
// password goes into the string, as a parameter, which also works for a URL without a host.
// This string stays in memory: messages and logs show `options.url`, redacted.
function withPassword(url: string, password: string): string {
  const parsed = new URL(url)
  parsed.searchParams.set('password', password)
  return parsed.toString()
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'postgres://…'
  }
}

function typeParser(oid: number, format?: 'text' | 'binary'): unknown {
  // Sizes and counts are bigint: as numbers they are exact up to 2^53, far past any audit chain.
  if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value)
  return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format)
}

async function migrate(pool: pg.Pool): Promise<string> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    // Several instances may start at once: the first migrates, the others wait and find it done.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()])
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
    )
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    )
    for (const [index, sql] of POSTGRES_MIGRATIONS.entries()) {
      const version = index + 1
      if (done.has(version)) continue
      await client.query(sql)
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version])
    }
    await client.query(
      'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      ['audit_origin', `latch-audit/${randomBytes(9).toString('base64url')}`],
    )
    const origin = (
      await client.query<{ value: string }>(
        "SELECT value FROM settings WHERE name = 'audit_origin'",
      )
    ).rows[0]?.value as string
    await client.query(
      `INSERT INTO audit_head (id, size, head_hash, signed_size) VALUES (1, 0, $1, 0)
       ON CONFLICT DO NOTHING`,
      [genesisHash(origin)],
    )
    await client.query('COMMIT')
    client.release()
    return origin
  } catch (error) {
    client.release(true)
    throw error
  }
}

interface HeadRow {
  size: number
  head_hash: Buffer
  signed_size: number
  signed_at: Date | null
  first_unsigned_at: Date | null
}

type Db = pg.PoolClient

class PostgresStore implements Store {
  readonly kind = 'postgres' as const
  readonly auditOrigin: string
  readonly #pool: pg.Pool
  readonly #config: pg.PoolConfig
  readonly #bounds: AuditTailBounds
  /** The connection that holds the checkpoint lease while this instance is the signer. */
  #lease: pg.Client | undefined
  #leasing: Promise<boolean> | undefined
  /** Connections whose transaction {@link PostgresStore.#append} committed. */
  readonly #committed = new WeakSet<Db>()
  readonly #listened = new WeakSet<Db>()

  constructor(pool: pg.Pool, config: pg.PoolConfig, bounds: AuditTailBounds, origin: string) {
    this.#pool = pool
    this.#config = config
    this.#bounds = bounds
    this.auditOrigin = origin
  }

  async close(): Promise<void> {
    const lease = this.#lease
    this.#lease = undefined
    await lease?.end().catch(() => undefined)
    await this.#pool.end()
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1')
  }

  async initSetting(name: string, value: string): Promise<string> {
    return this.#tx(async (db) => {
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
    const client = await this.#connect()
    try {
      await client.query('SELECT pg_advisory_lock($1)', [STARTUP_LOCK.toString()])
    } catch (cause) {
      client.release(true)
      throw unavailable(cause)
    }
    try {
      return await fn()
    } finally {
      // Closing the connection releases a session lock whatever state it is in.
      client.release(true)
    }
  }

  async holdCheckpointLease(): Promise<boolean> {
    this.#leasing ??= this.#holdLease().finally(() => {
      this.#leasing = undefined
    })
    return this.#leasing
  }

  async #holdLease(): Promise<boolean> {
    if (this.#lease !== undefined) {
      // Still the signer only while the connection holding the lock is alive.
      try {
        await this.#lease.query('SELECT 1')
        return true
      } catch {
        this.#dropLease()
      }
    }
    // Its own connection, outside the pool: a session lock lives as long as the connection, so a
    // killed instance's lease ends when its connection closes and another instance takes over.
    const client = new pg.Client({
      ...this.#config,
      // The pid names the signer for operators (pg_stat_activity) and for the takeover test.
      application_name: `latch-checkpointer/${process.pid}`,
    })
    client.on('error', () => {
      if (this.#lease === client) this.#dropLease()
    })
    try {
      await client.connect()
      const { rows } = await client.query<{ held: boolean }>(
        'SELECT pg_try_advisory_lock($1) AS held',
        [CHECKPOINT_LEASE.toString()],
      )
      if (rows[0]?.held === true) {
        this.#lease = client
        return true
      }
    } catch {
      // Unreachable database: not the signer this time.
    }
    await client.end().catch(() => undefined)
    return false
  }

  #dropLease(): void {
    const lease = this.#lease
    this.#lease = undefined
    lease?.end().catch(() => undefined)
  }

  async listServerKeys(): Promise<ServerKeyRecord[]> {
    const rows = await this.#query<{
      kid: string
      use: 'wrap' | 'checkpoint'
      public_key: Buffer
      sealed_private_key: Buffer
      created_at: Date
    }>('SELECT * FROM server_keys ORDER BY created_at, n')
    return rows.map((r) => ({
      kid: r.kid,
      use: r.use,
      publicKey: r.public_key,
      sealedPrivateKey: r.sealed_private_key,
      createdAt: r.created_at,
    }))
  }

  async addServerKey(key: ServerKeyRecord, audit: AuditDraft): Promise<void> {
    await this.#tx(async (db) => {
      await db.query(
        `INSERT INTO server_keys (kid, use, public_key, sealed_private_key, created_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [key.kid, key.use, key.publicKey, key.sealedPrivateKey, key.createdAt],
      )
      await this.#append(db, audit)
    })
  }

  async createUser(user: NewUser, token: NewToken, audit: AuditDraft): Promise<UserRecord> {
    const email = user.email.toLowerCase()
    return this.#tx(async (db) => {
      if (user.oidc !== undefined) await assertOidcFree(db, user.oidc, email)
      const inserted = await oidcUnique(
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
    const [row] = await this.#query<UserRow>('SELECT * FROM users WHERE email = $1', [
      email.toLowerCase(),
    ])
    return row === undefined ? undefined : userOfRow(row)
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.#query<UserRow>('SELECT * FROM users ORDER BY email')).map(userOfRow)
  }

  async disableUser(given: string, audit: AuditDraft): Promise<UserRecord> {
    const email = given.toLowerCase()
    return this.#tx(async (db) => {
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
    return this.#tx(async (db) => {
      const before = await one<UserRow>(db, 'SELECT * FROM users WHERE email = $1 FOR UPDATE', [
        email,
      ])
      if (before === undefined) throw new ServerError('ERR_NOT_FOUND', `no user ${email}`)
      await assertOidcFree(db, link, email)
      const after = await oidcUnique(
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
    await this.#tx(async (db) => {
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
    await this.#tx(async (db) => {
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
      await this.#query<TokenRow>('SELECT * FROM tokens WHERE email = $1 ORDER BY created_at, id', [
        email.toLowerCase(),
      ])
    ).map(tokenOfRow)
  }

  async findLiveToken(
    hash: Uint8Array,
  ): Promise<{ token: TokenRecord; user: UserRecord } | undefined> {
    const [row] = await this.#query<TokenRow & UserRow & { user_created_at: Date }>(
      {
        name: 'latch_find_live_token',
        text: `SELECT t.*, u.role, u.may_assign_owner, u.disabled_at, u.created_at AS user_created_at,
                 u.oidc_issuer, u.oidc_subject
               FROM tokens t JOIN users u ON u.email = t.email
               WHERE t.hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL`,
      },
      [hash],
    )
    if (row === undefined) return undefined
    return { token: tokenOfRow(row), user: userOfRow({ ...row, created_at: row.user_created_at }) }
  }

  async createPolicy(policy: NewPolicy, audit: AuditDraft): Promise<PolicyRecord> {
    return this.#tx(async (db) => {
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
      await this.#append(db, audit)
      return policyOfRow(row, [])
    })
  }

  async getPolicy(
    id: string,
    options: { objects?: boolean } = {},
  ): Promise<PolicyRecord | undefined> {
    const [row] = await this.#query<PolicyRow>('SELECT * FROM policies WHERE id = $1', [id])
    if (row === undefined) return undefined
    const objects =
      options.objects === false
        ? []
        : await this.#query<ObjectRow>(
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
    return this.#tx(async (db) => {
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
    }, '')
  }

  async changePolicy(
    id: string,
    change: (before: PolicyRecord) => { readonly patch: PolicyPatch; readonly audit: AuditDraft },
  ): Promise<PolicyRecord> {
    return this.#tx(async (db) => {
      const before = await beginPolicyChange(db, id)
      if (before === undefined) throw new ServerError('ERR_NOT_FOUND', `no policy ${id}`)
      const { patch, audit } = change(before)
      const readers = patch.readers ?? before.readers
      const expiresAt =
        patch.expiresAt === undefined ? before.expiresAt : (patch.expiresAt ?? undefined)
      const revocation =
        patch.revocation === undefined ? before.revocation : (patch.revocation ?? undefined)
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
      await this.#append(db, audit, undefined, updated)
      return policyOfRow((await updated).rows[0] as PolicyRow, [])
    }, '')
  }

  async addLockdownRule(
    rule: NewLockdownRule,
    audit: (rule: LockdownRule) => AuditDraft,
  ): Promise<LockdownRule> {
    return this.#tx(async (db) => {
      // Exclusive: waits for the decisions in flight (they commit first, before the rule in the
      // chain); every decision after it reads the rule.
      const { scope } = rule
      const [, inserted] = await pipelined(db, () => [
        db.query(`BEGIN; SELECT pg_advisory_xact_lock(${RULES_LOCK})`),
        db.query<LockdownRow>(
          `INSERT INTO lockdown_rules (id, scope_kind, bucket, prefix, owner, reason, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, ${NOW}) ON CONFLICT DO NOTHING RETURNING *`,
          [
            rule.id,
            scope.kind,
            scope.kind === 'bucket' ? scope.bucket : null,
            scope.kind === 'bucket' ? scope.prefix : null,
            scope.kind === 'owner' ? scope.owner : null,
            rule.reason,
            rule.createdBy,
          ],
        ),
      ])
      const row = inserted?.rows[0]
      if (row === undefined) throw new ServerError('ERR_CONFLICT', `rule ${rule.id} already exists`)
      const added = lockdownOfRow(row)
      await this.#append(db, audit(added))
      return added
    }, '')
  }

  async liftLockdownRule(
    id: string,
    lift: (rule: LockdownRule) => {
      readonly by: string
      readonly reason: string | undefined
      readonly audit: AuditDraft
    },
  ): Promise<LockdownRule> {
    return this.#tx(async (db) => {
      const [, selected] = await pipelined(db, () => [
        db.query(`BEGIN; SELECT pg_advisory_xact_lock(${RULES_LOCK})`),
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
      await this.#append(db, audit, undefined, lifted)
      return lockdownOfRow((await lifted).rows[0] as LockdownRow)
    }, '')
  }

  async listLockdownRules(options: { includeLifted?: boolean } = {}): Promise<LockdownRule[]> {
    const rows = await this.#query<LockdownRow>(
      `SELECT * FROM lockdown_rules ${options.includeLifted === true ? '' : 'WHERE lifted_at IS NULL'}
       ORDER BY n`,
    )
    return rows.map(lockdownOfRow)
  }

  async measureLockdown(scope: LockdownScope): Promise<LockdownReach> {
    let sql: string
    let values: unknown[]
    switch (scope.kind) {
      case 'all':
        sql = `SELECT (SELECT count(*) FROM policies) AS policies,
                      (SELECT count(*) FROM policy_objects) AS objects`
        values = []
        break
      case 'owner':
        sql = `SELECT count(DISTINCT p.id) AS policies, count(o.object_id) AS objects
               FROM policies p LEFT JOIN policy_objects o ON o.policy_id = p.id
               WHERE p.owner = $1`
        values = [scope.owner]
        break
      case 'bucket':
        sql = `SELECT count(DISTINCT policy_id) AS policies, count(*) AS objects
               FROM policy_objects WHERE bucket = $1 AND starts_with(key, $2)`
        values = [scope.bucket, scope.prefix]
        break
    }
    const [row] = await this.#query<{ policies: number; objects: number }>(sql, values)
    return { policies: row?.policies ?? 0, objects: row?.objects ?? 0 }
  }

  async decide(input: DecisionInput): Promise<DecisionResult> {
    return this.#tx(async (db) => {
      // Lock order, the same in every transaction: the rules lock, the policy's lock, the audit
      // head row last (in latch_append). The shared locks are held to the commit. The
      // simple-query protocol sends them with BEGIN (the key is a number computed here, never
      // text); the policy is read in a statement of its own, after both locks are granted, so
      // its snapshot holds every committed change of the policy, its objects and the rules.
      const [, read] = await pipelined(db, () => [
        db.query(
          `BEGIN; SELECT pg_advisory_xact_lock_shared(${RULES_LOCK});
           SELECT pg_advisory_xact_lock_shared(${POLICY_LOCKS}, ${policyLock(input.policyId)})`,
        ),
        db.query<Partial<PolicyRow> & { now: string; lockdowns: string[] | null }>({
          name: 'latch_decision_policy',
          text: DECISION_POLICY,
          values: [input.policyId],
        }),
      ])
      const row = read?.rows[0] as Partial<PolicyRow> & { now: string; lockdowns: string[] | null }
      const policy =
        row.id === undefined || row.id === null ? undefined : policyOfRow(row as PolicyRow, [])
      const lockdowns = policy === undefined ? [] : (row.lockdowns ?? [])
      const verdict = input.judge(policy, new Date(row.now), lockdowns)
      // The record's time is the time the judgement used.
      const seq = await this.#append(db, input.record(verdict, policy), row.now)
      return { verdict, seq }
    }, '')
  }

  async appendAudit(audit: AuditDraft): Promise<number> {
    return this.#tx((db) => this.#append(db, audit))
  }

  async auditHead(): Promise<AuditHead> {
    const [row] = await this.#query<HeadRow>('SELECT * FROM audit_head WHERE id = 1')
    const head = row as HeadRow
    return {
      size: head.size,
      headHash: head.head_hash,
      signedSize: head.signed_size,
      signedAt: head.signed_at ?? undefined,
      firstUnsignedAt: head.first_unsigned_at ?? undefined,
    }
  }

  async readAudit(afterSeq: number, limit: number): Promise<AuditRow[]> {
    const rows = await this.#query<{ seq: number; record: Buffer; entry_hash: Buffer }>(
      'SELECT seq, record, entry_hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    )
    return rows.map(toAuditRow)
  }

  async queryAudit(filter: AuditFilter, afterSeq: number, limit: number): Promise<AuditRow[]> {
    const where = ['seq > $1']
    const values: unknown[] = [afterSeq]
    const add = (condition: (n: string) => string, value: unknown) => {
      values.push(value)
      where.push(condition(`$${values.length}`))
    }
    if (filter.policyId !== undefined) add((n) => `policy_id = ${n}`, filter.policyId)
    if (filter.actor !== undefined) add((n) => `actor = ${n}`, filter.actor)
    if (filter.type !== undefined) {
      if (filter.type.endsWith('.*')) {
        add((n) => `starts_with(type, ${n})`, filter.type.slice(0, -1))
      } else add((n) => `type = ${n}`, filter.type)
    }
    if (filter.since !== undefined) add((n) => `time >= ${n}`, filter.since)
    if (filter.until !== undefined) add((n) => `time < ${n}`, filter.until)
    values.push(limit)
    const rows = await this.#query<{ seq: number; record: Buffer; entry_hash: Buffer }>(
      `SELECT seq, record, entry_hash FROM audit_log WHERE ${where.join(' AND ')}
       ORDER BY seq LIMIT $${values.length}`,
      values,
    )
    return rows.map(toAuditRow)
  }

  async *iterateAudit(afterSeq = 0): AsyncIterable<AuditRow> {
    let next = afterSeq
    for (;;) {
      const page = await this.readAudit(next, 10_000)
      for (const row of page) yield row
      if (page.length < 10_000) return
      next = (page[page.length - 1] as AuditRow).seq
    }
  }

  async addCheckpoint(sign: CheckpointSign): Promise<CheckpointRecord> {
    return this.#tx(async (db) => {
      // The head lock orders checkpoints with appends and with each other: two instances that
      // both believed they were the signer cannot both chain a note to the same predecessor, and
      // no record is appended between reading the head and storing its checkpoint. The second
      // statement runs once the lock is granted, so its snapshot holds every record before it.
      const [locked, read] = await pipelined(db, () => [
        db.query<HeadRow>('SELECT * FROM audit_head WHERE id = 1 FOR UPDATE'),
        db.query<{ at: Buffer | null; latest: string | null; time: string }>({
          name: 'latch_checkpoint_read',
          text: CHECKPOINT_READ,
        }),
      ])
      const head = locked?.rows[0] as HeadRow
      const { at, latest, time } = read?.rows[0] ?? { at: null, latest: null, time: '' }
      const stored = head.size === 0 ? genesisHash(this.auditOrigin) : at
      if (stored === null || !head.head_hash.equals(stored)) {
        throw new ServerError('ERR_CONFLICT', 'the chain head does not match the stored chain')
      }
      const signedAt = new Date(time)
      const note = sign(head.size, head.head_hash, signedAt)
      checkCheckpointNote(
        note,
        { size: head.size, headHash: head.head_hash, time: signedAt },
        latest ?? undefined,
      )
      await pipelined(db, () => [
        db.query('INSERT INTO checkpoints (size, note, signed_at) VALUES ($1, $2, $3)', [
          head.size,
          note,
          signedAt,
        ]),
        db.query(
          'UPDATE audit_head SET signed_size = size, signed_at = $1, first_unsigned_at = NULL WHERE id = 1',
          [signedAt],
        ),
      ])
      return { size: head.size, note, signedAt }
    })
  }

  async listCheckpoints(): Promise<CheckpointRecord[]> {
    const rows = await this.#query<{ size: number; note: string; signed_at: Date }>(
      'SELECT size, note, signed_at FROM checkpoints ORDER BY n',
    )
    return rows.map((r) => ({ size: r.size, note: r.note, signedAt: r.signed_at }))
  }

  async latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    const [row] = await this.#query<{ size: number; note: string; signed_at: Date }>(
      'SELECT size, note, signed_at FROM checkpoints ORDER BY n DESC LIMIT 1',
    )
    return row === undefined
      ? undefined
      : { size: row.size, note: row.note, signedAt: row.signed_at }
  }

  // --- Internals ---

  /**
   * Appends one record and commits: the last statements of every transaction that changes
   * state. `latch_append` (schema.ts) locks the head row, puts the record's `seq` and `time`
   * (`time`, or the database clock under the lock) into its canonical bytes, chains and inserts
   * it; COMMIT goes out with it, so the head lock, which orders the chain as the commits, is held
   * for the two statements only. A `time` more than `AUDIT_TIME_TOLERANCE_MS` before the clock
   * at the append is refused (`ERR_AUDIT_UNAVAILABLE`), and the transaction rolls back.
   */
  async #append(
    db: Db,
    draft: AuditDraft,
    time?: string,
    /** A statement sent just before, whose answer is awaited here too. */
    preceding?: Promise<unknown>,
  ): Promise<number> {
    // Observed below; marked handled now in case the record cannot be serialized.
    preceding?.catch(() => undefined)
    const { head, middle, tail } = splitRecord(draft)
    const actor = draft.actor
    const [appended, committed] = corked(db, () => [
      db.query<{ seq: number }>({
        name: 'latch_append',
        text: 'SELECT latch_append($1, $2, $3, $4, $5, $6, $7, $8, $9) AS seq',
        values: [
          head,
          middle,
          tail,
          time ?? null,
          indexText(draft.policy_id),
          typeof actor === 'object' && actor !== null && !Array.isArray(actor)
            ? indexText(actor.email)
            : null,
          indexText(draft.type),
          this.#bounds.maxUnsignedRecords,
          this.#bounds.maxUnsignedAgeMs,
        ],
      }),
      db.query('COMMIT'),
    ])
    this.#committed.add(db)
    const [before, append, commit] = await Promise.allSettled([preceding, appended, committed])
    if (before.status === 'rejected') throw unavailable(before.reason)
    if (append.status === 'rejected') {
      const code = (append.reason as { code?: string }).code
      throw new ServerError(
        'ERR_AUDIT_UNAVAILABLE',
        code === TAIL_BOUND
          ? 'the unsigned audit tail is past its bound'
          : code === TIMED_TOO_EARLY
            ? 'the audit record was timed too long before its append'
            : 'the audit record could not be written',
        { cause: append.reason },
      )
    }
    // A failed COMMIT may or may not have committed; either way nothing is released, and a
    // record that says "released" for a key nobody received errs on the safe side.
    if (commit.status === 'rejected') throw unavailable(commit.reason)
    return (append.value.rows[0] as { seq: number }).seq
  }

  async #connect(): Promise<Db> {
    let db: Db
    try {
      db = await this.#pool.connect()
    } catch (cause) {
      throw unavailable(cause)
    }
    // The pool listens for errors on idle connections only: a connection that breaks while
    // checked out (the database stopped) would end the process. Its queries fail on their own.
    if (!this.#listened.has(db)) {
      this.#listened.add(db)
      db.on('error', () => undefined)
    }
    return db
  }

  async #query<R extends pg.QueryResultRow>(
    query: string | { name: string; text: string },
    values: unknown[] = [],
  ): Promise<R[]> {
    try {
      const config = typeof query === 'string' ? { text: query, values } : { ...query, values }
      return (await this.#pool.query<R>(config)).rows
    } catch (cause) {
      throw unavailable(cause)
    }
  }

  /**
   * Runs `fn` in a transaction (`begin` opens it; `''` when `fn` does) and commits, unless `fn`
   * committed in {@link PostgresStore.#append}. Any failure rolls back and is a
   * `ERR_STORE_UNAVAILABLE` unless it is a `ServerError` already.
   */
  async #tx<T>(fn: (db: Db) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const db = await this.#connect()
    try {
      if (begin !== '') await db.query(begin)
      const result = await fn(db)
      if (!this.#committed.delete(db)) await db.query('COMMIT')
      db.release()
      return result
    } catch (error) {
      this.#committed.delete(db)
      try {
        await db.query('ROLLBACK')
        db.release()
      } catch {
        // A connection that cannot roll back is broken: drop it rather than pool it.
        db.release(true)
      }
      throw unavailable(error)
    }
  }
}

/**
 * Sends the statements `send` issues together (pipelined, and in one write: the socket is corked
 * while they are queued) and waits for all of them; throws the first failure once all answered.
 */
async function pipelined<R extends pg.QueryResultRow[]>(
  db: Db,
  send: () => { [K in keyof R]: Promise<pg.QueryResult<R[K]>> },
): Promise<{ [K in keyof R]: pg.QueryResult<R[K]> | undefined }> {
  const settled = await Promise.allSettled(corked(db, send))
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason
  return settled.map((o) => (o.status === 'fulfilled' ? o.value : undefined)) as {
    [K in keyof R]: pg.QueryResult<R[K]> | undefined
  }
}

/** Runs `send` with the connection's socket corked: the messages it queues go out in one write. */
function corked<T>(db: Db, send: () => T): T {
  const { stream } = (db as unknown as pg.Client).connection
  stream.cork()
  try {
    return send()
  } finally {
    stream.uncork()
  }
}

// starts_with, not LIKE: a prefix holding % or _ means those characters. Every registered
// location of the policy counts. `o.bucket || ''` keeps the planner on the index by policy (the
// policy's own locations) even without statistics: on the
// (bucket, key) index a bucket rule would walk the whole bucket (the SQLite store's bench found
// 1.4 s per decision over 1,000,000 objects before the same fix there).
const DECISION_POLICY = `SELECT ${NOW_TEXT} AS now, p.*, ARRAY(
    SELECT r.id FROM lockdown_rules r
    WHERE r.lifted_at IS NULL AND (
      r.scope_kind = 'all'
      OR (r.scope_kind = 'owner' AND r.owner = p.owner)
      OR (r.scope_kind = 'bucket' AND EXISTS (
        SELECT 1 FROM policy_objects o
        WHERE o.policy_id = p.id AND (o.bucket || '') = r.bucket AND starts_with(o.key, r.prefix))))
    ORDER BY r.n) AS lockdowns
  FROM (SELECT 1) AS one LEFT JOIN policies p ON p.id = $1`

/**
 * What a checkpoint reads once it holds the head lock: the stored hash of the head's last record,
 * the note stored last, and its time: the database clock, never before the newest record time or
 * the previous checkpoint's time (a clock stepped back), so a checkpoint is never timed before a
 * record it covers. `max(time)` is one probe of the time index.
 */
const CHECKPOINT_READ = `SELECT
    (SELECT entry_hash FROM audit_log WHERE seq = (SELECT size FROM audit_head WHERE id = 1)) AS at,
    (SELECT note FROM checkpoints ORDER BY n DESC LIMIT 1) AS latest,
    to_char(greatest(${NOW}, (SELECT max(time) FROM audit_log),
      (SELECT signed_at FROM checkpoints ORDER BY n DESC LIMIT 1)) AT TIME ZONE 'UTC',
      'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time`

/**
 * The second key of a policy's advisory lock: 32 bits of SHA-256 of its id. Two policies that
 * share a key only wait for each other more often.
 *
 * Why a lock of its own, and not just the row: a decision that read the policy before a change
 * must commit before the change does (its record precedes the change's in the chain), and one
 * that comes later must wait and read the new row; otherwise a decision that read "active" could
 * commit after a revoke was acknowledged and release a key. Row locks would order them too
 * (FOR SHARE against FOR UPDATE), but PostgreSQL lets new FOR SHARE lockers in while a FOR UPDATE
 * waits, so a stream of decisions can hold a revoke off for as long as it lasts (measured: a
 * revoke acknowledged after 47 ms at the median, 225 ms at p99, under six readers). Advisory locks
 * queue fairly: a shared request waits behind a waiting exclusive one.
 */
function policyLock(id: string): number {
  return createHash('sha256').update(id, 'utf8').digest().readInt32BE(0)
}

/**
 * Opens a policy change's transaction: BEGIN and the policy's lock, taken exclusively (sent
 * together; the key is a number computed here), then its row read for update.
 */
async function beginPolicyChange(db: Db, id: string): Promise<PolicyRecord | undefined> {
  const [, read] = await pipelined(db, () => [
    db.query(`BEGIN; SELECT pg_advisory_xact_lock(${POLICY_LOCKS}, ${policyLock(id)})`),
    db.query<PolicyRow>({
      name: 'latch_policy_for_update',
      text: 'SELECT * FROM policies WHERE id = $1 FOR UPDATE',
      values: [id],
    }),
  ])
  const row = read?.rows[0]
  return row === undefined ? undefined : policyOfRow(row, [])
}

async function insertToken(db: Db, token: NewToken): Promise<void> {
  await db.query(
    `INSERT INTO tokens (id, email, hash, created_at, minted_by) VALUES ($1, $2, $3, ${NOW}, $4)`,
    [token.id, token.email.toLowerCase(), token.hash, token.mintedBy],
  )
}

/** @throws `ERR_CONFLICT` when another user than `email` is linked to this OIDC account. */
async function assertOidcFree(db: Db, link: OidcLink, email: string): Promise<void> {
  const holder = await one<{ email: string }>(
    db,
    'SELECT email FROM users WHERE oidc_issuer = $1 AND oidc_subject = $2',
    [link.issuer, link.subject],
  )
  if (holder !== undefined && holder.email !== email) throw oidcTaken()
}

/** The unique index on the OIDC account, hit by a concurrent link: a conflict, not a failure. */
async function oidcUnique<T>(statement: Promise<T>): Promise<T> {
  try {
    return await statement
  } catch (cause) {
    const { code, constraint } = cause as { code?: string; constraint?: string }
    if (code === UNIQUE_VIOLATION && constraint === 'users_by_oidc') throw oidcTaken()
    throw cause
  }
}

function oidcTaken(): ServerError {
  return new ServerError('ERR_CONFLICT', 'that OIDC account is linked to another user')
}

async function one<R extends pg.QueryResultRow>(
  db: Db,
  query: string | { name: string; text: string },
  values: unknown[] = [],
): Promise<R | undefined> {
  const config = typeof query === 'string' ? { text: query, values } : { ...query, values }
  return (await db.query<R>(config)).rows[0]
}

function unavailable(cause: unknown): ServerError {
  if (cause instanceof ServerError) return cause
  // A record or note the audit code cannot write is the server's bug, not the database's.
  if (cause instanceof AuditError) return new ServerError('ERR_INTERNAL', cause.message, { cause })
  // PostgreSQL text cannot hold a NUL character (SQLite's can): that is the request's fault.
  if ((cause as { code?: string }).code === CHARACTER_NOT_IN_REPERTOIRE) {
    return new ServerError('ERR_REQUEST_INVALID', 'text must not contain a NUL character', {
      cause,
    })
  }
  return new ServerError('ERR_STORE_UNAVAILABLE', 'the database failed', { cause })
}

/** A value for an index column: the index is never trusted, and text cannot hold NUL. */
function indexText(value: unknown): string | null {
  return typeof value === 'string' ? value.replaceAll('\0', '\uFFFD') : null
}

function toAuditRow(row: { seq: number; record: Buffer; entry_hash: Buffer }): AuditRow {
  return { seq: row.seq, recordBytes: row.record, entryHash: row.entry_hash }
}
