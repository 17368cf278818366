import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose'
// @ts-expect-error oidc-provider ships no types and @types/oidc-provider is not a dependency;
// the little this helper uses is typed by `ProviderConstructor` below.
import ProviderModule from 'oidc-provider'

/** The asymmetric algorithms the test provider can sign with. */
export type TestSigningAlg = 'ES256' | 'RS256'

/** A signing key of the test provider, private half included, so tests can sign tokens too. */
export interface TestSigningKey {
  readonly kid: string
  readonly alg: TestSigningAlg
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
  /** The public JWK, with the members the provider's `jwks_uri` publishes. */
  readonly publicJwk: JWK
  /** The private JWK handed to the provider's keystore. */
  readonly privateJwk: JWK
}

/** A `client_credentials` client of the test provider. */
export interface TestClient {
  readonly clientId: string
  /** The `email` claim of its access tokens; absent → tokens without an `email` claim. */
  readonly email?: string
  /**
   * The `email_verified` claim of its access tokens, as given (`true`, `false`, `'true'`, …);
   * absent → tokens without one.
   */
  readonly emailVerified?: unknown
  /** The `sub` of its access tokens. Default: the client id. */
  readonly subject?: string
}

/**
 * A browser client of the test provider (a single-page app such as the web console): the
 * authorization code flow with PKCE, no secret.
 */
export interface TestWebClient {
  readonly clientId: string
  /** Where the provider may send the browser back with the code; their origins may call it (CORS). */
  readonly redirectUris: readonly string[]
}

/** A person who signs in at the provider's login page by typing their email (no password). */
export interface TestAccount {
  readonly email: string
  /** The `email_verified` claim. Default `true`. */
  readonly emailVerified?: boolean
  /** The `sub` of their tokens. Default: the email. */
  readonly subject?: string
}

/** Options of {@link startOidcProvider}. */
export interface TestOidcProviderOptions {
  /** The resource indicator and `aud` of every access token. Default `'https://kas.latch.test'`. */
  audience?: string
  /** The provider's JWKS. Default: one ES256 and one RS256 key, freshly generated. */
  keys?: TestSigningKey[]
  /** The algorithm access tokens are signed with. Default: the first key's. */
  accessTokenAlg?: TestSigningAlg
  /**
   * Default: `alice` (`Alice@Example.test`), `bob` (`bob@example.test`), both verified, and
   * `machine` (no email).
   */
  clients?: TestClient[]
  /** Browser clients (authorization code with PKCE). Default: none. */
  webClients?: TestWebClient[]
  /** The people who can sign in at `/interaction/:uid`. Default: none. */
  accounts?: TestAccount[]
}

/** A running `oidc-provider` on 127.0.0.1 that issues RFC 9068 JWT access tokens. */
export interface TestOidcProvider {
  /** `http://127.0.0.1:<port>`; stays the same across {@link TestOidcProvider.restart}. */
  readonly issuer: string
  readonly audience: string
  readonly jwksUri: string
  readonly tokenEndpoint: string
  /** The keys currently published, in keystore order. */
  readonly keys: readonly TestSigningKey[]
  /** `GET jwks_uri` requests served so far, across restarts. */
  readonly jwksRequests: number
  /**
   * Obtains a real access token from the token endpoint (`client_credentials`, HTTP Basic).
   *
   * @param clientId - One of the configured clients; default the first.
   * @returns The compact JWS (`typ: at+jwt`, `sub` = the client's subject or id, `email`,
   *   `email_verified`, `jti`, 300 s lifetime).
   */
  mintToken(clientId?: string): Promise<string>
  /**
   * Signs a token locally, bypassing the provider: for claims the provider would never issue, or
   * for any email without configuring a client. Signed with a published key, it verifies.
   * Defaults: `iss`, `aud`, `sub: 'alice'`, `email`, `email_verified: true`, `jti`, `iat` now,
   * `exp` in 300 s,
   * header `{ alg, kid, typ: 'at+jwt' }` of the key. A claim set to `undefined` is left out.
   *
   * @param claims - Claims to add or override.
   * @param options - `key`: default the first published key; `header`: fields to add or override.
   */
  signToken(
    claims?: Record<string, unknown>,
    options?: { key?: TestSigningKey; header?: Record<string, unknown> },
  ): Promise<string>
  /**
   * Stops the provider and starts a new one on the same port with another JWKS (key rotation).
   * Clients, audience and issuer stay the same; tokens issued before stay signed by the old keys.
   */
  restart(options: { keys: TestSigningKey[]; accessTokenAlg?: TestSigningAlg }): Promise<void>
  /** Stops the provider and closes its HTTP server and connections. */
  close(): Promise<void>
}

interface ProviderInstance {
  callback(): (request: IncomingMessage, response: ServerResponse) => void
  interactionDetails(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<{ uid: string; prompt: { name: string } }>
  interactionFinished(
    request: IncomingMessage,
    response: ServerResponse,
    result: object,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>
}

interface GrantInstance {
  addOIDCScope(scope: string): void
  addResourceScope(resource: string, scope: string): void
  save(): Promise<string>
}

interface OidcContext {
  oidc: {
    client: { clientId: string }
    session: { accountId: string; grantIdFor(clientId: string): string | undefined }
    result?: { consent?: { grantId?: string } }
    provider: {
      Grant: {
        new (properties: { clientId: string; accountId: string }): GrantInstance
        find(id: string): Promise<GrantInstance | undefined>
      }
    }
  }
}
type ProviderConstructor = new (issuer: string, configuration: object) => ProviderInstance
const Provider = ProviderModule as ProviderConstructor

const DEFAULT_CLIENTS: TestClient[] = [
  { clientId: 'alice', email: 'Alice@Example.test', emailVerified: true },
  { clientId: 'bob', email: 'bob@example.test', emailVerified: true },
  { clientId: 'machine' },
]

/**
 * Generates a signing key pair with a `kid`, in the shapes both jose and oidc-provider take.
 *
 * @param alg - `ES256` (P-256) or `RS256` (2048-bit RSA).
 * @param kid - Default a random one prefixed with the algorithm.
 */
export async function generateSigningKey(
  alg: TestSigningAlg,
  kid = `${alg.toLowerCase()}-${randomUUID()}`,
): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' }
  return { kid, alg, privateKey, publicKey, publicJwk, privateJwk }
}

/**
 * Starts a real `oidc-provider` (the in-memory adapter) on 127.0.0.1, a free port, with
 * `client_credentials` enabled and resource indicators that make every access token a JWT for
 * `audience`, carrying the client's `email`. Close it in `afterAll`.
 *
 * @param options - Audience, JWKS, signing algorithm and clients; all optional.
 * @returns The running provider.
 *
 * @example
 * ```ts
 * const idp = await startOidcProvider()
 * afterAll(() => idp.close())
 * const verifier = await createOidcVerifier({ issuer: idp.issuer, audience: idp.audience })
 * const token = await idp.mintToken('bob') // → identity bob@example.test
 * ```
 */
export async function startOidcProvider(
  options: TestOidcProviderOptions = {},
): Promise<TestOidcProvider> {
  const audience = options.audience ?? 'https://kas.latch.test'
  const clients = options.clients ?? DEFAULT_CLIENTS
  const webClients = options.webClients ?? []
  const accounts = options.accounts ?? []
  const accountBySubject = (subject: string) =>
    accounts.find((a) => (a.subject ?? a.email) === subject)
  let provider: ProviderInstance | undefined
  let keys = options.keys ?? [await generateSigningKey('ES256'), await generateSigningKey('RS256')]
  let accessTokenAlg = options.accessTokenAlg ?? firstKey(keys).alg
  let jwksRequests = 0
  let handle: ((request: IncomingMessage, response: ServerResponse) => void) | undefined

  const server = createServer((request, response) => {
    // No keep-alive: after a restart, a client would otherwise send its next request on a socket
    // of the stopped server and fail with "other side closed".
    response.shouldKeepAlive = false
    if (request.method === 'GET' && request.url?.split('?')[0] === '/jwks') jwksRequests += 1
    if (handle === undefined || provider === undefined) {
      response.writeHead(503).end()
      return
    }
    if (request.url?.startsWith('/interaction/')) {
      interact(provider, request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error))
      })
      return
    }
    handle(request, response)
  })
  const port = await listen(server, 0)
  const issuer = `http://127.0.0.1:${port}`
  const secretOf = (clientId: string) => `secret-${clientId}-0123456789abcdef`
  // The login page of the authorization code flow: one email field, no password. The grant is
  // given without a consent page (loadExistingGrant).
  const interact = async (
    p: ProviderInstance,
    request: IncomingMessage,
    response: ServerResponse,
  ) => {
    const details = await p.interactionDetails(request, response)
    let problem = ''
    if (request.method === 'POST') {
      const form = new URLSearchParams(await readBody(request))
      const email = (form.get('email') ?? '').trim().toLowerCase()
      const account = accounts.find((a) => a.email.toLowerCase() === email)
      if (account !== undefined) {
        await p.interactionFinished(
          request,
          response,
          { login: { accountId: account.subject ?? account.email } },
          { mergeWithLastSubmission: false },
        )
        return
      }
      problem = `<p role="alert">No account ${escapeHtml(email)} here.</p>`
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(
      `<!doctype html><html lang="en"><head><title>Test provider: sign in</title></head><body><main><h1>Sign in at the test provider</h1>${problem}<form method="post" action="/interaction/${details.uid}"><label for="email">Email</label> <input id="email" name="email" type="email" autocomplete="off"> <button type="submit">Sign in</button></form></main></body></html>`,
    )
  }
  const build = () => {
    provider = new Provider(issuer, {
      jwks: { keys: keys.map((key) => key.privateJwk) },
      clients: [
        ...clients.map(({ clientId }) => ({
          client_id: clientId,
          client_secret: secretOf(clientId),
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          id_token_signed_response_alg: firstKey(keys).alg,
        })),
        ...webClients.map(({ clientId, redirectUris }) => ({
          client_id: clientId,
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          redirect_uris: [...redirectUris],
          id_token_signed_response_alg: firstKey(keys).alg,
        })),
      ],
      findAccount: async (_ctx: unknown, subject: string) => {
        const account = accountBySubject(subject)
        if (account === undefined) return undefined
        return {
          accountId: subject,
          claims: async () => ({
            sub: subject,
            email: account.email,
            email_verified: account.emailVerified ?? true,
          }),
        }
      },
      claims: { openid: ['sub'], email: ['email', 'email_verified'] },
      interactions: {
        url: async (_ctx: unknown, interaction: { uid: string }) =>
          `/interaction/${interaction.uid}`,
      },
      loadExistingGrant: async (ctx: OidcContext) => {
        const { oidc } = ctx
        const grantId =
          oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId)
        if (grantId !== undefined) return oidc.provider.Grant.find(grantId)
        if (!webClients.some((c) => c.clientId === oidc.client.clientId)) return undefined
        const grant = new oidc.provider.Grant({
          clientId: oidc.client.clientId,
          accountId: oidc.session.accountId,
        })
        grant.addOIDCScope('openid email')
        grant.addResourceScope(audience, 'openid email')
        await grant.save()
        return grant
      },
      clientBasedCORS: (_ctx: unknown, origin: string, client: { redirectUris: string[] }) =>
        client.redirectUris.some((uri) => new URL(uri).origin === origin),
      cookies: { keys: ['latch-test-cookie-key-0123456789abcdef'] },
      features: {
        clientCredentials: { enabled: true },
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: async () => audience,
          useGrantedResource: async () => true,
          getResourceServerInfo: async () => ({
            scope: 'openid email',
            audience,
            accessTokenTTL: 300,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: accessTokenAlg } },
          }),
        },
      },
      ttl: { ClientCredentials: 300 },
      extraTokenClaims: async (_ctx: unknown, token: { clientId?: string; accountId?: string }) => {
        const account =
          token.accountId === undefined ? undefined : accountBySubject(token.accountId)
        if (account !== undefined) {
          return { email: account.email, email_verified: account.emailVerified ?? true }
        }
        const client = clients.find((c) => c.clientId === token.clientId)
        const claims: Record<string, unknown> = {}
        if (client?.email !== undefined) claims.email = client.email
        if (client?.emailVerified !== undefined) claims.email_verified = client.emailVerified
        return Object.keys(claims).length === 0 ? undefined : claims
      },
      formats: {
        customizers: {
          // A client_credentials token's sub is its client id; a client may name another.
          jwt: async (
            _ctx: unknown,
            token: { clientId?: string; accountId?: string },
            jwt: { payload: Record<string, unknown> },
          ) => {
            if (token.accountId !== undefined) return
            const subject = clients.find((c) => c.clientId === token.clientId)?.subject
            if (subject !== undefined) jwt.payload.sub = subject
          },
        },
      },
    })
    handle = provider.callback()
  }
  build()

  return {
    issuer,
    audience,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint: `${issuer}/token`,
    get keys() {
      return keys
    },
    get jwksRequests() {
      return jwksRequests
    },
    async mintToken(clientId = clients[0]?.clientId ?? 'alice') {
      const basic = Buffer.from(
        `${encodeURIComponent(clientId)}:${encodeURIComponent(secretOf(clientId))}`,
      ).toString('base64')
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: audience }),
      })
      const body = (await response.json()) as { access_token?: string; error?: string }
      if (response.status !== 200 || typeof body.access_token !== 'string') {
        throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(body)}`)
      }
      return body.access_token
    },
    async signToken(claims = {}, signOptions = {}) {
      const key = signOptions.key ?? firstKey(keys)
      const now = Math.floor(Date.now() / 1000)
      const defaults = {
        iss: issuer,
        aud: audience,
        sub: 'alice',
        email: 'alice@example.test',
        email_verified: true,
        jti: randomUUID(),
        iat: now,
        exp: now + 300,
      }
      const payload: JWTPayload = Object.fromEntries(
        Object.entries({ ...defaults, ...claims }).filter(([, value]) => value !== undefined),
      )
      const header = { alg: key.alg, kid: key.kid, typ: 'at+jwt', ...signOptions.header }
      return new SignJWT(payload).setProtectedHeader(header).sign(key.privateKey)
    },
    async restart(next) {
      await stop(server)
      handle = undefined
      keys = next.keys
      accessTokenAlg = next.accessTokenAlg ?? firstKey(keys).alg
      build()
      await listen(server, port)
    },
    close: () => stop(server),
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => resolve(body))
    request.on('error', reject)
  })
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function firstKey(keys: readonly TestSigningKey[]): TestSigningKey {
  const [key] = keys
  if (key === undefined) throw new Error('the test provider needs at least one signing key')
  return key
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return (server.address() as AddressInfo).port
}

async function stop(server: Server): Promise<void> {
  if (!server.listening) return
  const closed = new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  )
  // Keep-alive sockets of clients (undici in jose) would otherwise hold close() open.
  server.closeAllConnections()
  await closed
}
