import { ClientError, KeyServerError } from './errors.js'

/** Options of {@link KeyServerClient}. */
export interface KeyServerClientOptions {
  /** Base URL of the key server, e.g. `http://127.0.0.1:8400`. */
  readonly server: string
  /** API token or OIDC access token. */
  readonly token?: string | undefined
  /** Per-request timeout in milliseconds (default 30 s). */
  readonly timeoutMs?: number
  /** A `fetch` to use instead of the global one. */
  readonly fetch?: typeof fetch
}

/** A policy as the key server shows it. */
export interface PolicyView {
  readonly id: string
  readonly owner: string
  readonly readers: string[]
  readonly expiresAt: string | null
  readonly labels: Record<string, string>
  readonly state: 'active' | 'revoked'
  readonly revoked: { by: string; at: string; reason: string | null } | null
  readonly version: number
  readonly createdAt: string
  readonly createdBy: string
  readonly objects: {
    objectId: string
    coreHash: string
    bucket: string | null
    key: string | null
    registeredAt: string
  }[]
}

/** A user as the key server shows it. */
export interface UserView {
  readonly email: string
  readonly role: 'admin' | 'user'
  readonly mayAssignOwner: boolean
  readonly disabledAt: string | null
  readonly createdAt: string
  /** The OIDC account linked to the user, through which an OIDC caller keeps the user's role. */
  readonly oidc: { issuer: string; subject: string } | null
}

/** An API token as the key server lists it (never its secret). */
export interface TokenView {
  readonly id: string
  readonly email: string
  readonly createdAt: string
  readonly revokedAt: string | null
  /** Who minted it (its user, an admin, `system`); `null`: unknown. */
  readonly mintedBy: string | null
}

/** What a lockdown rule covers: every policy, a bucket (under a key prefix), or an owner's. */
export type LockdownScopeInput =
  | { readonly all: true }
  | { readonly bucket: string; readonly prefix?: string }
  | { readonly owner: string }

/** A lockdown rule as the key server shows it. */
export interface LockdownRuleView {
  readonly id: string
  readonly scope: {
    kind: 'all' | 'bucket' | 'owner'
    bucket: string | null
    prefix: string | null
    owner: string | null
  }
  readonly reason: string
  readonly createdBy: string
  readonly createdAt: string
  readonly lifted: { by: string; at: string; reason: string | null } | null
}

/** Which audit records {@link KeyServerClient.auditEvents} lists; times are RFC 3339. */
export interface AuditEventFilter {
  readonly policy?: string | undefined
  readonly actor?: string | undefined
  /** An event type, or a family: `policy.*`. */
  readonly type?: string | undefined
  readonly since?: string | undefined
  readonly until?: string | undefined
}

/** One audit record, as stored (see docs/audit-events.md). */
export interface AuditEventView {
  readonly v: number
  readonly seq: number
  readonly time: string
  readonly type: string
  readonly actor: { email: string; [field: string]: unknown }
  readonly [field: string]: unknown
}

/** The key server's public wrap keys. */
export interface KeySet {
  readonly kasId: string
  readonly current: string
  readonly keys: { kty: 'OKP'; crv: 'X25519'; x: string; kid: string }[]
}

/** One key request: the header core (base64url), the entry's JWE, and a client key. */
export interface RewrapRequest {
  readonly core: string
  readonly jwe: string
}

/** The throw-away public key a share is re-wrapped to. */
export interface ClientPublicJwk {
  readonly kty: 'OKP'
  readonly crv: 'X25519'
  readonly x: string
  readonly kid?: string
}

/**
 * A thin typed client of the key server's HTTP API (`/v1`). Every method throws
 * {@link KeyServerError} with the server's code when it refuses, and {@link ClientError}
 * `ERR_CLIENT_UNAVAILABLE` when it cannot be reached.
 *
 * @example
 * ```ts
 * const client = KeyServerClient.fromEnv()   // LATCH_SERVER, LATCH_TOKEN
 * const policy = await client.createPolicy({ readers: ['bob@example.com'] })
 * ```
 */
export class KeyServerClient {
  readonly server: string
  readonly #token: string | undefined
  readonly #timeoutMs: number
  readonly #fetch: typeof fetch

  constructor(options: KeyServerClientOptions) {
    let url: URL
    try {
      url = new URL(options.server)
    } catch {
      throw new ClientError('ERR_CLIENT_CONFIG_INVALID', `not a URL: ${options.server}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ClientError('ERR_CLIENT_CONFIG_INVALID', `not an http(s) URL: ${options.server}`)
    }
    this.server = url.href.replace(/\/$/, '')
    this.#token = options.token
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#fetch = options.fetch ?? fetch
  }

  /**
   * A client configured from `LATCH_SERVER` and `LATCH_TOKEN`.
   * @throws ClientError `ERR_CLIENT_CONFIG_INVALID` when `LATCH_SERVER` is not set.
   */
  static fromEnv(env: Record<string, string | undefined> = process.env): KeyServerClient {
    const server = env.LATCH_SERVER
    if (server === undefined || server === '') {
      throw new ClientError(
        'ERR_CLIENT_CONFIG_INVALID',
        'LATCH_SERVER is not set: export LATCH_SERVER=http://host:8400 (or run latch login)',
      )
    }
    return new KeyServerClient({ server, token: env.LATCH_TOKEN })
  }

  /** Who the token belongs to; `mintedBy` names who minted an API token, when not its user. */
  me(): Promise<{ email: string; role: string; scheme: string; mintedBy: string | null }> {
    return this.request('GET', '/v1/me')
  }

  keys(): Promise<KeySet> {
    return this.request('GET', '/v1/keys')
  }

  rotateKey(): Promise<{ kid: string }> {
    return this.request('POST', '/v1/keys/rotate')
  }

  createPolicy(input: {
    owner?: string
    readers?: string[]
    expiresAt?: string
    labels?: Record<string, string>
  }): Promise<PolicyView> {
    return this.request('POST', '/v1/policies', input)
  }

  /** A policy; `objects: false` leaves out its list of objects (which grows with every file). */
  getPolicy(id: string, options: { objects?: boolean } = {}): Promise<PolicyView> {
    const query = options.objects === false ? '?objects=false' : ''
    return this.request('GET', `/v1/policies/${encodeURIComponent(id)}${query}`)
  }

  addPolicyObject(
    id: string,
    object: { objectId: string; coreHash: string; bucket?: string; key?: string },
  ): Promise<{ policyId: string; version: number; objectId: string; coreHash: string }> {
    return this.request('POST', `/v1/policies/${encodeURIComponent(id)}/objects`, object)
  }

  /** Adds and removes readers (owner, admins). */
  changeReaders(id: string, change: { add?: string[]; remove?: string[] }): Promise<PolicyView> {
    return this.request('POST', `/v1/policies/${encodeURIComponent(id)}/readers`, change)
  }

  /** Sets the expiry (ISO 8601), or clears it with `null` (owner, admins). */
  setExpiry(id: string, expiresAt: string | null): Promise<PolicyView> {
    return this.request('POST', `/v1/policies/${encodeURIComponent(id)}/expiry`, { expiresAt })
  }

  /** Revokes: no key for anyone, the owner included (owner, admins). */
  revokePolicy(id: string, reason?: string): Promise<PolicyView> {
    return this.request(
      'POST',
      `/v1/policies/${encodeURIComponent(id)}/revoke`,
      reason === undefined ? {} : { reason },
    )
  }

  /** Lifts a revocation; readers and expiry are as they were (owner, admins). */
  unrevokePolicy(id: string, reason?: string): Promise<PolicyView> {
    return this.request(
      'POST',
      `/v1/policies/${encodeURIComponent(id)}/unrevoke`,
      reason === undefined ? {} : { reason },
    )
  }

  rewrap(request: RewrapRequest, clientKey: ClientPublicJwk): Promise<{ jwe: string }> {
    return this.request('POST', '/v1/rewrap', { ...request, clientKey })
  }

  /**
   * Many key requests with one client key. Each result is a share or that request's error:
   * `ERR_ACCESS_DENIED`, `ERR_REQUEST_INVALID`, or `ERR_AUDIT_UNAVAILABLE` /
   * `ERR_STORE_UNAVAILABLE` for the requests left when the server's audit or database failed
   * after it had released others (the whole answer is a 503 when it failed before any).
   */
  rewrapBatch(
    requests: readonly RewrapRequest[],
    clientKey: ClientPublicJwk,
  ): Promise<{
    results: ({ jwe: string } | { error: { code: string; message: string; requestId?: string } })[]
  }> {
    return this.request('POST', '/v1/rewrap/batch', { requests, clientKey })
  }

  /** Creates a user and its first API token, optionally linked to an OIDC subject (admins). */
  createUser(
    email: string,
    options: { admin?: boolean; mayAssignOwner?: boolean; oidcSubject?: string } = {},
  ): Promise<{ email: string; tokenId: string; token: string }> {
    return this.request('POST', '/v1/users', { email, ...options })
  }

  /**
   * Links a user to its account (`sub`) at the server's OIDC issuer: OIDC tokens of that account
   * get the user's role, and tokens of another account with the user's email are refused (admins).
   */
  linkUserOidc(email: string, subject: string): Promise<UserView> {
    return this.request('POST', `/v1/users/${encodeURIComponent(email)}/oidc`, { subject })
  }

  /** Mints an API token for yourself, or for `email` (admins); the answer is its only copy. */
  mintToken(email?: string): Promise<{ email: string; tokenId: string; token: string }> {
    return this.request('POST', '/v1/tokens', email === undefined ? {} : { email })
  }

  /** Your API tokens, or `email`'s (admins). */
  listTokens(email?: string): Promise<{ tokens: TokenView[] }> {
    const query = email === undefined ? '' : `?email=${encodeURIComponent(email)}`
    return this.request('GET', `/v1/tokens${query}`)
  }

  /** Revokes one of your API tokens (admins: anyone's). */
  async revokeToken(id: string): Promise<void> {
    await this.request('DELETE', `/v1/tokens/${encodeURIComponent(id)}`)
  }

  listUsers(): Promise<{ users: UserView[] }> {
    return this.request('GET', '/v1/users')
  }

  disableUser(email: string): Promise<UserView> {
    return this.request('POST', `/v1/users/${encodeURIComponent(email)}/disable`)
  }

  /** Adds a lockdown rule, or with `dryRun` counts what it would cover (admins). */
  lockdown(
    input: LockdownScopeInput & { reason: string; dryRun?: false },
  ): Promise<LockdownRuleView>
  lockdown(
    input: LockdownScopeInput & { reason: string; dryRun: true },
  ): Promise<{ dryRun: true; scope: LockdownRuleView['scope']; policies: number; objects: number }>
  lockdown(input: LockdownScopeInput & { reason: string; dryRun?: boolean }): Promise<unknown> {
    return this.request('POST', '/v1/lockdowns', input)
  }

  /** Active lockdown rules; with `all`, lifted ones too (admins). */
  lockdowns(options: { all?: boolean } = {}): Promise<{ rules: LockdownRuleView[] }> {
    return this.request('GET', `/v1/lockdowns${options.all === true ? '?all=true' : ''}`)
  }

  /** Lifts a lockdown rule; policies revoked one by one stay revoked (admins). */
  liftLockdown(id: string, reason?: string): Promise<LockdownRuleView> {
    return this.request(
      'POST',
      `/v1/lockdowns/${encodeURIComponent(id)}/lift`,
      reason === undefined ? {} : { reason },
    )
  }

  /** One page of audit records as JSON (admins; a policy's owner with `policy`). */
  auditEvents(
    filter: AuditEventFilter,
    after = 0,
    limit = 1000,
  ): Promise<{ events: AuditEventView[]; next: number | null }> {
    const query = new URLSearchParams()
    for (const [name, value] of Object.entries(filter)) {
      if (value !== undefined) query.set(name, value)
    }
    query.set('after', String(after))
    query.set('limit', String(limit))
    return this.request('GET', `/v1/audit/events?${query}`)
  }

  auditKey(): Promise<{
    origin: string
    name: string
    publicKey: string
    keyId: string
    verifierKey: string
  }> {
    return this.request('GET', '/v1/audit/key')
  }

  auditHead(): Promise<{ origin: string; size: number; headHash: string; signedSize: number }> {
    return this.request('GET', '/v1/audit/head')
  }

  auditRecords(
    after: number,
    limit: number,
  ): Promise<{
    records: { seq: number; record: string; entryHash: string }[]
    next: number | null
  }> {
    return this.request('GET', `/v1/audit/records?after=${after}&limit=${limit}`)
  }

  auditCheckpoints(): Promise<{ checkpoints: { size: number; note: string; signedAt: string }[] }> {
    return this.request('GET', '/v1/audit/checkpoints')
  }

  signCheckpoint(): Promise<{ size: number }> {
    return this.request('POST', '/v1/audit/checkpoints')
  }

  /**
   * Sends one request and decodes the JSON answer.
   * @throws KeyServerError, ClientError
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await this.#fetch(this.server + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      })
    } catch (cause) {
      throw new ClientError(
        'ERR_CLIENT_UNAVAILABLE',
        `cannot reach the key server at ${this.server}`,
        { cause },
      )
    }
    const text = await response.text()
    let json: unknown
    try {
      json = text === '' ? null : JSON.parse(text)
    } catch {
      json = undefined
    }
    if (response.ok) {
      if (json === undefined) throw invalidAnswer(response.status)
      return json as T
    }
    const error = json as { code?: unknown; message?: unknown; requestId?: unknown } | undefined
    if (typeof error?.code !== 'string' || typeof error.message !== 'string') {
      if (response.status >= 500) {
        throw new ClientError('ERR_CLIENT_UNAVAILABLE', `key server answered ${response.status}`)
      }
      throw invalidAnswer(response.status)
    }
    throw new KeyServerError(
      error.code,
      error.message,
      response.status,
      typeof error.requestId === 'string' ? error.requestId : undefined,
    )
  }
}

function invalidAnswer(status: number): ClientError {
  return new ClientError(
    'ERR_CLIENT_RESPONSE_INVALID',
    `unexpected answer from the key server (HTTP ${status})`,
  )
}
