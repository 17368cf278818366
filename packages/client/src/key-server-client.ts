import type {
  AddLockdownBody,
  AddPolicyObjectBody,
  AuditCheckpointList,
  AuditEventPage,
  AuditEventsQuery,
  AuditExportQuery,
  AuditHead,
  AuditKey,
  AuditRecordPage,
  ChangeReadersBody,
  ClaimedPolicyRequest,
  ClientPublicJwk,
  CreatePoliciesResult,
  CreatePolicyBody,
  CreateUserBody,
  FileReportView,
  KeySet,
  ListPoliciesQuery,
  LockdownReach,
  LockdownRuleList,
  LockdownRuleView,
  MeView,
  MintedToken,
  OverviewView,
  PolicyListView,
  PolicyObjectAdded,
  PolicyView,
  RewrapBatchResult,
  RewrapRequest,
  RewrapResult,
  RotatedKey,
  RouteDefinition,
  RouteInput,
  RouteName,
  RouteReply,
  Routes,
  SignedCheckpoint,
  TokenList,
  UserList,
  UserView,
} from '@latch/protocol'
import { type RouteTargetInput, routeLines, routeTarget } from '@latch/protocol/light'
import { ClientError, KeyServerError } from './errors.js'
import type { KeyServerTransport } from './key-server-transport.js'

/** Options of {@link KeyServerClient}. */
export interface KeyServerClientOptions {
  /** Base URL of the key server, e.g. `http://127.0.0.1:8400`. */
  readonly server: string
  /** API token or OIDC access token. */
  readonly token?: string | undefined
  /** Per-request timeout in milliseconds (default 30 s). */
  readonly timeoutMs?: number
  /** A `fetch` to use instead of the global one (for every request, the transport's too). */
  readonly fetch?: typeof fetch
  /**
   * How requests other than {@link KeyServerClient.exportAudit}'s are sent. Default: over `fetch`;
   * in the Node build over `node:http` with keep-alive connections, unless `fetch` is given.
   */
  readonly transport?: KeyServerTransport
}

/** Options of one request to the key server. */
export interface RequestOptions {
  /** Cancels the request: it is aborted, and its promise rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined
}

/**
 * What a lockdown rule covers: every policy, a bucket (under a key prefix), or an owner's. Exactly
 * one of the scope members of `AddLockdownBody`, which the server checks at run time.
 */
export type LockdownScopeInput =
  | { readonly all: true }
  | { readonly bucket: string; readonly prefix?: string }
  | { readonly owner: string }

/**
 * Which audit records {@link KeyServerClient.auditEvents} lists: the filters of
 * `AuditEventsQuery` (times RFC 3339); a member left `undefined` does not filter.
 */
export type AuditEventFilter = {
  readonly [K in Exclude<keyof AuditEventsQuery, 'after' | 'limit'>]?:
    | AuditEventsQuery[K]
    | undefined
}

/**
 * A thin typed client of the key server's HTTP API (`/v1`): each method calls one route of
 * `@latch/protocol` and takes and returns its types ({@link KeyServerClient.call} calls any
 * route). Every method throws {@link KeyServerError} with the server's code when it refuses, and
 * {@link ClientError} `ERR_CLIENT_UNAVAILABLE` when it cannot be reached.
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
  readonly #transport: KeyServerTransport

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
    // Bound: a browser refuses a `fetch` called as a method of another object (Illegal invocation).
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.#transport = options.transport ?? fetchTransport(this.#fetch)
  }

  /**
   * A client configured from `LATCH_SERVER` and `LATCH_TOKEN`.
   * @throws ClientError `ERR_CLIENT_CONFIG_INVALID` when `LATCH_SERVER` is not set.
   */
  static fromEnv<T extends KeyServerClient>(
    this: new (
      options: KeyServerClientOptions,
    ) => T,
    env: Record<string, string | undefined> = process.env,
  ): T {
    const server = env.LATCH_SERVER
    if (server === undefined || server === '') {
      throw new ClientError(
        'ERR_CLIENT_CONFIG_INVALID',
        'LATCH_SERVER is not set: export LATCH_SERVER=http://host:8400 (or run latch login)',
      )
    }
    // `this`: the Node build's subclass makes clients of its own.
    return new this({ server, token: env.LATCH_TOKEN })
  }

  /**
   * What a console shows first, scoped to the caller (admins: every policy, the lockdowns and the
   * latest denials; others: the policies they own or read).
   */
  overview(options: RequestOptions = {}): Promise<OverviewView> {
    return this.#call('overview', {}, options)
  }

  /**
   * One page of the policies the caller may see (admins: all), newest first; pass the answer's
   * `nextCursor` as `cursor` for the next. {@link KeyServerClient.listPolicyPages} pages for you.
   * @throws KeyServerError `ERR_CURSOR_INVALID` for a cursor this listing did not give.
   */
  listPolicies(
    query: ListPoliciesQuery = {},
    options: RequestOptions = {},
  ): Promise<PolicyListView> {
    return this.#call('listPolicies', { query }, options)
  }

  /**
   * Every page of the policies the caller may see that `query` matches, newest first, each
   * fetched when the previous one has been taken.
   *
   * @example
   * ```ts
   * for await (const page of client.listPolicyPages({ owner: 'alice@example.com' })) {
   *   for (const policy of page.items) console.log(policy.id)
   * }
   * ```
   */
  async *listPolicyPages(
    query: Omit<ListPoliciesQuery, 'cursor'> = {},
    options: RequestOptions = {},
  ): AsyncGenerator<PolicyListView, void, undefined> {
    let cursor: string | undefined
    do {
      const page = await this.listPolicies(
        cursor === undefined ? query : { ...query, cursor },
        options,
      )
      yield page
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
  }

  /**
   * A file's audit report over a window (admins, the policy's owner), verified by the server
   * between the checkpoints around it; `chain.unsignedTail` when none follows the window yet.
   * Times are RFC 3339; `since` defaults to the start of the log, `until` to now.
   */
  fileReport(
    id: string,
    window: { readonly since?: string; readonly until?: string } = {},
    options: RequestOptions = {},
  ): Promise<FileReportView> {
    return this.#call('fileReport', { params: { id }, query: { ...window } }, options)
  }

  /**
   * The audit export file (admins), as the server streams it: the whole log, or with `since` or
   * `until` the stretch of chain a report over that window verifies (`latch audit verify --file`
   * checks it). The client's time-out covers the answer's start only; `signal` the whole body.
   *
   * @returns the file's bytes.
   * @throws KeyServerError, ClientError
   */
  async exportAudit(
    query: AuditExportQuery = {},
    options: RequestOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const path = routeTarget(routeLines.auditExport.url, { query: { ...query } })
    const started = new AbortController()
    const timer = setTimeout(() => started.abort(), this.#timeoutMs)
    const { signal } = options
    let response: Response
    try {
      response = await this.#fetch(this.server + path, {
        method: 'GET',
        headers: this.#headers('application/x-ndjson', false),
        signal: signal === undefined ? started.signal : AbortSignal.any([signal, started.signal]),
      })
    } catch (cause) {
      if (signal?.aborted === true) throw signal.reason
      throw unreachable(this.server, started.signal.aborted ? this.#timeoutMs : undefined, cause)
    } finally {
      clearTimeout(timer)
    }
    if (!response.ok || response.body === null) {
      throw errorOfAnswer(response.status, await response.text().catch(() => ''))
    }
    return response.body
  }

  /** Who the token belongs to; `mintedBy` names who minted an API token, when not its user. */
  me(): Promise<MeView> {
    return this.#call('me', {})
  }

  /** The server's public wrap keys (JWKS), current first, and its `kasId`. */
  keys(): Promise<KeySet> {
    return this.#call('listKeys', {})
  }

  /** Adds a wrap key that new files use; old ones keep working (admins). */
  rotateKey(): Promise<RotatedKey> {
    return this.#call('rotateKey', {})
  }

  /**
   * Creates the policy of a file about to be encrypted; the caller is its owner by default. With
   * a `claim` (see `LatchClient.createDeferredWriter`), under the id the claim stands for and
   * with the stored `object` registered.
   */
  createPolicy(input: CreatePolicyBody, options: RequestOptions = {}): Promise<PolicyView> {
    return this.#call('createPolicy', { body: input }, options)
  }

  /**
   * Creates many policies with claims, each with its stored object registered, in one request
   * (`POST /v1/policies/batch`, up to the server's `batchMax`). Each result is the created policy
   * or that item's error, as `createPolicy` would have thrown it: one refused item leaves the
   * others created. `PolicyBatcher` collects concurrent creations into such batches.
   */
  createPolicies(
    requests: readonly ClaimedPolicyRequest[],
    options: RequestOptions = {},
  ): Promise<CreatePoliciesResult> {
    return this.#call('createPolicies', { body: { requests: [...requests] } }, options)
  }

  /** A policy; `objects: false` leaves out its list of objects (which grows with every file). */
  getPolicy(id: string, options: { objects?: boolean } = {}): Promise<PolicyView> {
    return this.#call('getPolicy', {
      params: { id },
      query: options.objects === false ? { objects: 'false' } : {},
    })
  }

  /** Records an object the policy covers, at a location (owner, admins). */
  addPolicyObject(id: string, object: AddPolicyObjectBody): Promise<PolicyObjectAdded> {
    return this.#call('addPolicyObject', { params: { id }, body: object })
  }

  /** Adds and removes readers (owner, admins). */
  changeReaders(id: string, change: ChangeReadersBody): Promise<PolicyView> {
    return this.#call('changeReaders', { params: { id }, body: change })
  }

  /** Sets the expiry (ISO 8601), or clears it with `null` (owner, admins). */
  setExpiry(id: string, expiresAt: string | null): Promise<PolicyView> {
    return this.#call('setExpiry', { params: { id }, body: { expiresAt } })
  }

  /** Revokes: no key for anyone, the owner included (owner, admins). */
  revokePolicy(id: string, reason?: string): Promise<PolicyView> {
    return this.#call('revokePolicy', {
      params: { id },
      body: reason === undefined ? {} : { reason },
    })
  }

  /** Lifts a revocation; readers and expiry are as they were (owner, admins). */
  unrevokePolicy(id: string, reason?: string): Promise<PolicyView> {
    return this.#call('unrevokePolicy', {
      params: { id },
      body: reason === undefined ? {} : { reason },
    })
  }

  /** One key request: the share, re-wrapped to `clientKey`, once its release is audited. */
  rewrap(
    request: RewrapRequest,
    clientKey: ClientPublicJwk,
    options: RequestOptions = {},
  ): Promise<RewrapResult> {
    return this.#call('rewrap', { body: { ...request, clientKey } }, options)
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
    options: RequestOptions = {},
  ): Promise<RewrapBatchResult> {
    return this.#call('rewrapBatch', { body: { requests: [...requests], clientKey } }, options)
  }

  /** Creates a user and its first API token, optionally linked to an OIDC subject (admins). */
  createUser(email: string, options: Omit<CreateUserBody, 'email'> = {}): Promise<MintedToken> {
    return this.#call('createUser', { body: { email, ...options } })
  }

  /**
   * Links a user to its account (`sub`) at the server's OIDC issuer: OIDC tokens of that account
   * get the user's role, and tokens of another account with the user's email are refused (admins).
   */
  linkUserOidc(email: string, subject: string): Promise<UserView> {
    return this.#call('linkUserOidc', { params: { email }, body: { subject } })
  }

  /** Mints an API token for yourself, or for `email` (admins); the answer is its only copy. */
  mintToken(email?: string): Promise<MintedToken> {
    return this.#call('mintToken', { body: email === undefined ? {} : { email } })
  }

  /** Your API tokens, or `email`'s (admins). */
  listTokens(email?: string): Promise<TokenList> {
    return this.#call('listTokens', { query: email === undefined ? {} : { email } })
  }

  /** Revokes one of your API tokens (admins: anyone's). */
  async revokeToken(id: string): Promise<void> {
    await this.#call('revokeToken', { params: { id } })
  }

  /** Every user (admins). */
  listUsers(): Promise<UserList> {
    return this.#call('listUsers', {})
  }

  /** Disables a user: their tokens stop working at once (admins). */
  disableUser(email: string): Promise<UserView> {
    return this.#call('disableUser', { params: { email } })
  }

  /** Adds a lockdown rule, or with `dryRun` counts what it would cover (admins). */
  lockdown(
    input: LockdownScopeInput & { reason: string; dryRun?: false },
  ): Promise<LockdownRuleView>
  lockdown(input: LockdownScopeInput & { reason: string; dryRun: true }): Promise<LockdownReach>
  lockdown(
    input: LockdownScopeInput & { reason: string; dryRun?: boolean },
  ): Promise<LockdownRuleView | LockdownReach> {
    const body: AddLockdownBody = input
    return this.#call('addLockdown', { body })
  }

  /** Active lockdown rules; with `all`, lifted ones too (admins). */
  lockdowns(options: { all?: boolean } = {}): Promise<LockdownRuleList> {
    return this.#call('listLockdowns', { query: options.all === true ? { all: 'true' } : {} })
  }

  /** Lifts a lockdown rule; policies revoked one by one stay revoked (admins). */
  liftLockdown(id: string, reason?: string): Promise<LockdownRuleView> {
    return this.#call('liftLockdown', {
      params: { id },
      body: reason === undefined ? {} : { reason },
    })
  }

  /** One page of audit records as JSON (admins; a policy's owner with `policy`). */
  auditEvents(filter: AuditEventFilter, after = 0, limit = 1000): Promise<AuditEventPage> {
    const query: Record<string, string> = {}
    for (const [name, value] of Object.entries(filter)) {
      if (value !== undefined) query[name] = value
    }
    return this.#call('auditEvents', {
      query: { ...query, after: String(after), limit: String(limit) },
    })
  }

  /** The Ed25519 key that signs audit checkpoints (public). */
  auditKey(): Promise<AuditKey> {
    return this.#call('auditKey', {})
  }

  /** The audit chain's head and how much of it is signed (admins). */
  auditHead(): Promise<AuditHead> {
    return this.#call('auditHead', {})
  }

  /** Up to `limit` audit records after `after`, as their exact bytes (admins). */
  auditRecords(after: number, limit: number): Promise<AuditRecordPage> {
    return this.#call('auditRecords', {
      query: { after: String(after), limit: String(limit) },
    })
  }

  /** Every signed checkpoint, oldest first (admins). */
  auditCheckpoints(): Promise<AuditCheckpointList> {
    return this.#call('listCheckpoints', {})
  }

  /** Signs a checkpoint of the current head now (admins). */
  signCheckpoint(): Promise<SignedCheckpoint> {
    return this.#call('signCheckpoint', {})
  }

  /**
   * Calls one route of `@latch/protocol`, typed by it: path parameters are put into its URL, the
   * query's defined members into its query string (`routeTarget` of `@latch/protocol`).
   *
   * @example
   * ```ts
   * const policy = await client.call(routes.getPolicy, { params: { id }, query: {} })
   * ```
   * @param options - `signal` cancels the request (see {@link KeyServerClient.request}).
   * @throws KeyServerError, ClientError; TypeError, before any request, when `input` lacks one of
   *   the route's path parameters.
   */
  call<R extends RouteDefinition>(
    route: R,
    input: RouteInput<R>,
    options: RequestOptions = {},
  ): Promise<RouteReply<R>> {
    return this.#send(route, input, options)
  }

  /** {@link KeyServerClient.call} by the route's name, with its line alone (no schemas loaded). */
  #call<K extends RouteName>(
    name: K,
    input: RouteInput<Routes[K]>,
    options: RequestOptions = {},
  ): Promise<RouteReply<Routes[K]>> {
    return this.#send(routeLines[name], input, options)
  }

  async #send<T>(
    route: Pick<RouteDefinition, 'method' | 'url'>,
    input: unknown,
    options: RequestOptions,
  ): Promise<T> {
    const { body } = input as { readonly body?: unknown }
    return this.request(
      route.method,
      routeTarget(route.url, input as RouteTargetInput),
      body,
      options,
    )
  }

  /**
   * Sends one request and decodes the JSON answer, untyped: {@link KeyServerClient.call} is the
   * typed way. The request is cancelled when `options.signal` aborts (the promise then rejects
   * with the signal's reason) or when the client's time-out passes first.
   * @throws KeyServerError, ClientError (`ERR_CLIENT_UNAVAILABLE` also for the time-out and for an
   *   answer cut short)
   */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<T> {
    const headers = this.#headers('application/json', body !== undefined)
    const { signal } = options
    // One controller for the time-out and the caller's signal, its timer cleared with the
    // request: `AbortSignal.timeout` and `AbortSignal.any` cost 10-50x more per request and leave
    // a live timer behind each one for the whole time-out (docs/PERFORMANCE.md, issue 16).
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort(new DOMException('The operation timed out.', 'TimeoutError'))
    }, this.#timeoutMs)
    const onAbort = () => controller.abort(signal?.reason)
    if (signal?.aborted === true) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
    let answer: { status: number; text: string }
    try {
      // The time-out and the caller's signal cover the body too: a server that sends its headers
      // and then stalls is as unavailable as one that never answers.
      answer = await this.#transport({
        method,
        url: this.server + path,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: controller.signal,
      })
    } catch (cause) {
      if (signal?.aborted === true) throw signal.reason
      throw unreachable(this.server, timedOut ? this.#timeoutMs : undefined, cause)
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    const { status, text } = answer
    if (status < 200 || status > 299) throw errorOfAnswer(status, text)
    try {
      return (text === '' ? null : JSON.parse(text)) as T
    } catch {
      throw invalidAnswer(status)
    }
  }

  #headers(accept: string, json: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept }
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`
    if (json) headers['content-type'] = 'application/json'
    return headers
  }
}

/** The transport over a `fetch`: the whole answer read as text. */
function fetchTransport(send: typeof fetch): KeyServerTransport {
  return async ({ method, url, headers, body, signal }) => {
    const response = await send(url, { method, headers, body, signal })
    return { status: response.status, text: await response.text() }
  }
}

function unreachable(server: string, timeoutMs: number | undefined, cause: unknown): ClientError {
  return new ClientError(
    'ERR_CLIENT_UNAVAILABLE',
    timeoutMs !== undefined
      ? `the key server at ${server} did not answer within ${timeoutMs} ms`
      : `cannot reach the key server at ${server}`,
    { cause },
  )
}

/** The error an answer that is not 2xx stands for: the server's, or what its status says. */
function errorOfAnswer(status: number, text: string): KeyServerError | ClientError {
  let error: { code?: unknown; message?: unknown; requestId?: unknown } | undefined
  try {
    error = JSON.parse(text) as typeof error
  } catch {
    error = undefined
  }
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') {
    if (status >= 500) {
      return new ClientError('ERR_CLIENT_UNAVAILABLE', `key server answered ${status}`)
    }
    return invalidAnswer(status)
  }
  return new KeyServerError(
    error.code,
    error.message,
    status,
    typeof error.requestId === 'string' ? error.requestId : undefined,
  )
}

function invalidAnswer(status: number): ClientError {
  return new ClientError(
    'ERR_CLIENT_RESPONSE_INVALID',
    `unexpected answer from the key server (HTTP ${status})`,
  )
}
