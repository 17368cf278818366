import { MAX_IDENTITY_LENGTH } from '@latch/protocol'
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose'
import { ServerError } from '../errors.js'
import { identityName } from '../identity/identity-name.js'

/** How the key server trusts an OpenID Connect identity provider's bearer tokens. */
export interface OidcOptions {
  /** The issuer URL, exactly as the provider's discovery document and tokens spell it. */
  issuer: string
  /** The `aud` every accepted token must carry: this key server's resource identifier. */
  audience: string
  /**
   * The claim that names the user, lower-cased. Default `'email'`, which is accepted only with
   * `email_verified: true` and must be an email address; any other claim must be 1 to 320 visible
   * ASCII characters. Reserved names (`system`, …) are refused.
   */
  identityClaim?: string
  /**
   * The JWS algorithms accepted. Default: asymmetric only (`RS256`, `PS256`, `ES256`, `ES384`,
   * `EdDSA`). `none` and the HMAC algorithms (`HS*`) are refused.
   */
  algorithms?: string[]
  /** Leeway for `exp` and `nbf`, in seconds. Default 30. */
  clockToleranceSeconds?: number
  /**
   * How long a fetched JWKS is trusted, in milliseconds. Default 60 000: a signing key the provider
   * removes stops being accepted within a minute.
   */
  jwksCacheMaxAgeMs?: number
  /** Timeout of the discovery and JWKS requests, in milliseconds. Default 5 000. */
  timeoutMs?: number
  /**
   * When set, the JWT header `typ` every token must carry, e.g. `'at+jwt'` for RFC 9068 access
   * tokens (which keeps ID tokens from being used as access tokens). Default: not checked.
   */
  typ?: string
}

/** The caller a valid bearer token names. */
export interface OidcIdentity {
  /** The token's `sub`. */
  subject: string
  /** The value of the configured identity claim, lower-cased. */
  email: string
  /** The token's `iss`, equal to the configured issuer. */
  issuer: string
  /** The token's `jti`, when it has one (for the audit log). */
  tokenId: string | undefined
}

/** Verifies bearer JWTs of one identity provider. */
export interface OidcVerifier {
  /**
   * Verifies a bearer token and returns the identity it names.
   *
   * @throws `ERR_AUTH_INVALID` for every failure, with the underlying error as `cause`.
   */
  verify(token: string): Promise<OidcIdentity>
  /** The configured issuer. */
  readonly issuer: string
}

const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA']
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub']
const JWKS_COOLDOWN_MS = 30_000
const BASE64URL = /^[A-Za-z0-9_-]*$/
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * Discovers an OpenID Connect provider and returns a verifier for the bearer JWTs it signs.
 *
 * The discovery document is fetched once, here; the JWKS is fetched on first use, refetched when it
 * is older than `jwksCacheMaxAgeMs`, and on an unknown `kid` at most once per 30 seconds.
 *
 * @param options - The provider, the audience and the verification policy.
 * @returns A verifier whose `verify` throws `ERR_AUTH_INVALID` for any token it does not accept.
 * @throws `ERR_CONFIG_INVALID` when the options are unusable (e.g. `none` or `HS256` among the
 *   algorithms) or discovery fails (unreachable, not JSON, a different `issuer`, no `jwks_uri`).
 *
 * @example
 * ```ts
 * const oidc = await createOidcVerifier({
 *   issuer: 'https://login.example.com',
 *   audience: 'https://kas.example.com',
 * })
 * const { email } = await oidc.verify(bearerToken)
 * ```
 */
export async function createOidcVerifier(options: OidcOptions): Promise<OidcVerifier> {
  const {
    issuer,
    audience,
    identityClaim = 'email',
    algorithms = DEFAULT_ALGORITHMS,
    clockToleranceSeconds = 30,
    jwksCacheMaxAgeMs = 60_000,
    timeoutMs = 5_000,
    typ,
  } = options
  checkOptions(options, algorithms)

  const jwksUri = await discoverJwksUri(issuer, timeoutMs)
  const jwks = createRemoteJWKSet(jwksUri, {
    cacheMaxAge: jwksCacheMaxAgeMs,
    cooldownDuration: JWKS_COOLDOWN_MS,
    timeoutDuration: timeoutMs,
  })
  const verifyOptions = {
    issuer,
    audience,
    algorithms: [...algorithms],
    clockTolerance: clockToleranceSeconds,
    requiredClaims: REQUIRED_CLAIMS,
    ...(typ === undefined ? {} : { typ }),
  }

  return {
    issuer,
    async verify(token) {
      // jose's decoder skips whitespace and padding; accept only the compact form's alphabet so
      // that a token has one spelling for logs, caches and rate limits that key on it.
      if (!COMPACT_JWS.test(token)) throw invalidToken(new Error('not a compact JWS'))
      const { payload } = await jwtVerify(token, jwks, verifyOptions).catch((cause: unknown) => {
        throw invalidToken(cause)
      })
      return identityOf(payload, issuer, identityClaim)
    },
  }
}

/**
 * Tells whether a bearer token has the shape of a JWS in compact form: three base64url parts, the
 * first a JSON object with an `alg`. Cheap and verifies nothing; it only routes a token to
 * {@link createOidcVerifier}'s verifier rather than to the API-token lookup.
 *
 * @param token - The bearer token as received.
 * @returns `true` when the token looks like a JWT.
 */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.')
  if (parts.length !== 3) return false
  const [header = '', payload = ''] = parts
  // Bounded so that routing never parses a large header.
  if (header.length === 0 || header.length > 4096 || payload.length === 0) return false
  if (!parts.every((part) => BASE64URL.test(part))) return false
  try {
    const decoded: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))
    return (
      typeof decoded === 'object' &&
      decoded !== null &&
      typeof (decoded as { alg?: unknown }).alg === 'string'
    )
  } catch {
    return false
  }
}

// --- Internals ---

function checkOptions(options: OidcOptions, algorithms: string[]): void {
  const { issuer, audience, identityClaim } = options
  if (!URL.canParse(issuer) || !/^https?:$/.test(new URL(issuer).protocol)) {
    throw configInvalid(`issuer ${JSON.stringify(issuer)} is not an http(s) URL`)
  }
  if (audience.length === 0) throw configInvalid('audience is empty')
  if (identityClaim === '') throw configInvalid('identityClaim is empty')
  if (algorithms.length === 0) throw configInvalid('algorithms is empty')
  for (const alg of algorithms) {
    // With `none` or an HMAC algorithm, anyone who knows the (public) key can mint tokens.
    if (alg.toLowerCase() === 'none' || alg.toUpperCase().startsWith('HS')) {
      throw configInvalid(`algorithm ${alg} is not allowed; use asymmetric algorithms only`)
    }
  }
  for (const name of ['clockToleranceSeconds', 'jwksCacheMaxAgeMs', 'timeoutMs'] as const) {
    const value = options[name]
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw configInvalid(`${name} must be a non-negative integer`)
    }
  }
}

async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<URL> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
  let metadata: unknown
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    })
    if (response.status !== 200) {
      throw discoveryFailed(issuer, `HTTP ${response.status} from ${url}`)
    }
    metadata = await response.json()
  } catch (cause) {
    if (cause instanceof ServerError) throw cause
    throw discoveryFailed(issuer, `${url}: ${describeFailure(cause, timeoutMs)}`, cause)
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw discoveryFailed(issuer, 'the document is not a JSON object')
  }
  const { issuer: advertised, jwks_uri: jwksUri } = metadata as Record<string, unknown>
  // OIDC Discovery 1.0 §4.3: the document's issuer must be identical to the configured one.
  if (advertised !== issuer) {
    throw discoveryFailed(issuer, `the document names issuer ${JSON.stringify(advertised)}`)
  }
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) {
    throw discoveryFailed(issuer, 'no valid jwks_uri')
  }
  const parsed = new URL(jwksUri)
  // Keys fetched over plain http could be swapped on the way; allowed only for an http issuer.
  if (parsed.protocol !== 'https:' && parsed.protocol !== new URL(issuer).protocol) {
    throw discoveryFailed(issuer, `jwks_uri ${jwksUri} does not use https`)
  }
  return parsed
}

// undici reports every network failure as "fetch failed"; the errno code is one level down.
function describeFailure(cause: unknown, timeoutMs: number): string {
  if (cause instanceof Error && cause.name === 'TimeoutError') {
    return `no answer within ${timeoutMs} ms`
  }
  const code = (cause as { cause?: { code?: unknown } } | undefined)?.cause?.code
  return typeof code === 'string' ? `${cause} (${code})` : String(cause)
}

function identityOf(payload: JWTPayload, issuer: string, identityClaim: string): OidcIdentity {
  const { sub, jti } = payload
  if (typeof sub !== 'string' || sub.length === 0) {
    throw invalidToken(new Error('the sub claim is not a non-empty string'))
  }
  const byEmail = identityClaim === 'email'
  const name = identityName(payload[identityClaim], byEmail ? 'email' : 'name')
  if (name === undefined) {
    throw invalidToken(
      new Error(
        `the ${identityClaim} claim is not ${byEmail ? 'an email address' : 'a name'} of 1 to ${MAX_IDENTITY_LENGTH} visible ASCII characters, or is reserved`,
      ),
    )
  }
  // OIDC Core §5.1: without email_verified the provider does not vouch for the address, which
  // anyone may then have typed in. The boolean only: "true" is a string a provider did not mean.
  if (byEmail && payload.email_verified !== true) {
    throw invalidToken(new Error('the email claim is not verified (email_verified is not true)'))
  }
  if (jti !== undefined && typeof jti !== 'string') {
    throw invalidToken(new Error('the jti claim is not a string'))
  }
  return { subject: sub, email: name, issuer, tokenId: jti }
}

// One code and one message for every reason, so that a caller cannot probe which check failed;
// the reason stays in `cause` for the log.
function invalidToken(cause: unknown): ServerError {
  return new ServerError('ERR_AUTH_INVALID', 'invalid bearer token', { cause })
}

function configInvalid(reason: string): ServerError {
  return new ServerError('ERR_CONFIG_INVALID', `OIDC configuration invalid: ${reason}`)
}

function discoveryFailed(issuer: string, reason: string, cause?: unknown): ServerError {
  const message = `OIDC discovery failed for ${issuer}: ${reason}`
  return new ServerError('ERR_CONFIG_INVALID', message, cause === undefined ? {} : { cause })
}
