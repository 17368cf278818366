import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fc, test } from '@fast-check/vitest'
import {
  generateSigningKey,
  startOidcProvider,
  type TestOidcProvider,
  type TestSigningKey,
} from '@latch/testkit/oidc-provider'
import { base64url, errors, exportSPKI, importJWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  createOidcVerifier,
  looksLikeJwt,
  type OidcOptions,
  type OidcVerifier,
} from '../src/auth/oidc-verifier.js'
import { ServerError } from '../src/errors.js'

const NUM_RUNS = process.env.SLOW === '1' ? 5_000 : 200
const tally = { negatives: 0, accepted: 0, fuzzed: 0 }

/** `code:claim message` of a jose error, or the message of the verifier's own checks. */
function reasonOf(cause: unknown): string {
  const { code, claim, message } = cause as { code?: string; claim?: string; message?: string }
  return `${code ?? ''}${claim === undefined ? '' : `:${claim}`} ${message}`
}

/**
 * Asserts the one failure every bad token must produce and that nothing echoes the token; with
 * `why`, also that the intended check caught it (so a case cannot pass for an unrelated reason).
 */
async function expectRejected(
  verifier: OidcVerifier,
  token: string,
  why?: string,
): Promise<ServerError> {
  tally.negatives += 1
  const outcome = await verifier.verify(token).then(
    (identity) => identity,
    (error: unknown) => error,
  )
  if (!(outcome instanceof ServerError)) tally.accepted += 1
  expect(outcome).toBeInstanceOf(ServerError)
  const error = outcome as ServerError
  expect(error.code).toBe('ERR_AUTH_INVALID')
  expect(error.message).toBe('invalid bearer token')
  expect(error.cause).toBeDefined()
  if (why !== undefined) expect(reasonOf(error.cause)).toContain(why)
  // Tokens that short occur in any sentence; a real one never does.
  if (token.trim().length >= 8) {
    expect(error.message).not.toContain(token)
    expect(String((error.cause as Error | undefined)?.message)).not.toContain(token)
  }
  return error
}

async function configError(options: OidcOptions): Promise<ServerError> {
  const outcome = await createOidcVerifier(options).then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(outcome).toBeInstanceOf(ServerError)
  expect((outcome as ServerError).code).toBe('ERR_CONFIG_INVALID')
  return outcome as ServerError
}

const now = () => Math.floor(Date.now() / 1000)
const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value))
const decodeJson = (part: string) =>
  JSON.parse(new TextDecoder().decode(base64url.decode(part))) as Record<string, unknown>

function parts(token: string): [string, string, string] {
  const [header = '', payload = '', signature = ''] = token.split('.')
  return [header, payload, signature]
}

/** Re-encodes one JSON part of a signed token, keeping the original signature. */
function tamper(token: string, part: 'header' | 'payload', change: object): string {
  const [header, payload, signature] = parts(token)
  if (part === 'header') {
    return `${encodeJson({ ...decodeJson(header), ...change })}.${payload}.${signature}`
  }
  return `${header}.${encodeJson({ ...decodeJson(payload), ...change })}.${signature}`
}

async function hmacToken(
  alg: 'HS256' | 'HS384' | 'HS512',
  secret: string,
  claims: Record<string, unknown>,
  kid?: string,
): Promise<string> {
  const header = { alg, typ: 'at+jwt', ...(kid === undefined ? {} : { kid }) }
  return new SignJWT(claims).setProtectedHeader(header).sign(new TextEncoder().encode(secret))
}

// --- The provider and the keys every case uses ---

let idp: TestOidcProvider
let verifier: OidcVerifier
let es: TestSigningKey
let rs: TestSigningKey
let foreignEs: TestSigningKey
let foreignRs: TestSigningKey
let realToken: string

beforeAll(async () => {
  es = await generateSigningKey('ES256', 'idp-es256')
  rs = await generateSigningKey('RS256', 'idp-rs256')
  foreignEs = await generateSigningKey('ES256', 'attacker-es256')
  foreignRs = await generateSigningKey('RS256', 'attacker-rs256')
  idp = await startOidcProvider({ keys: [es, rs] })
  verifier = await createOidcVerifier({
    issuer: idp.issuer,
    audience: idp.audience,
    typ: 'at+jwt',
  })
  realToken = await idp.mintToken('alice')
})

afterAll(async () => {
  await idp?.close()
  console.info(
    `rejected tokens: ${tally.negatives} negative cases, ${tally.accepted} accepted; ${tally.fuzzed} fuzzed tokens`,
  )
})

// --- Accepted tokens ---

describe('accepted tokens', () => {
  it('verifies a token from the provider and fetches its JWKS once', async () => {
    const before = idp.jwksRequests
    const identity = await verifier.verify(realToken)
    expect(identity).toEqual({
      subject: 'alice',
      email: 'alice@example.test',
      issuer: idp.issuer,
      tokenId: expect.any(String),
    })
    expect(identity.tokenId).toBe((decodeJson(parts(realToken)[1]) as { jti?: unknown }).jti)
    expect(idp.jwksRequests).toBe(before + 1)

    const bob = await verifier.verify(await idp.mintToken('bob'))
    expect(bob.email).toBe('bob@example.test')
    expect(idp.jwksRequests).toBe(before + 1)
  })

  it.for(['ES256', 'RS256'] as const)('accepts an unmodified %s token (control)', async (alg) => {
    const key = alg === 'ES256' ? es : rs
    const identity = await verifier.verify(await idp.signToken({}, { key }))
    expect(identity.email).toBe('alice@example.test')
  })

  it.for(['ES256', 'RS256'] as const)(
    'accepts exp and nbf inside the 30 s tolerance (%s)',
    async (alg) => {
      const key = alg === 'ES256' ? es : rs
      const t = now()
      await verifier.verify(await idp.signToken({ iat: t - 300, exp: t - 10 }, { key }))
      await verifier.verify(await idp.signToken({ nbf: t + 10 }, { key }))
    },
  )

  it('lower-cases the identity, an email or another claim (one spelling per user)', async () => {
    const upper = await idp.signToken({ email: 'Carol.Admin@Example.TEST' })
    expect((await verifier.verify(upper)).email).toBe('carol.admin@example.test')

    const byName = await createOidcVerifier({
      issuer: idp.issuer,
      audience: idp.audience,
      identityClaim: 'preferred_username',
    })
    const token = await idp.signToken({ preferred_username: 'Carol.Admin', email: undefined })
    expect(await byName.verify(token)).toMatchObject({ email: 'carol.admin', subject: 'alice' })
    await expectRejected(byName, await idp.signToken({}))
  })

  it('returns tokenId undefined without a jti and accepts a 320-char identity', async () => {
    const email = `${'a'.repeat(307)}@example.test`
    expect(email).toHaveLength(320)
    const identity = await verifier.verify(await idp.signToken({ jti: undefined, email }))
    expect(identity).toMatchObject({ tokenId: undefined, email })
  })
})

// --- Tokens that must be rejected ---

interface ClaimMutation {
  readonly name: string
  /** What {@link reasonOf} of the cause must contain. */
  readonly why: string
  readonly claims?: () => Record<string, unknown>
  readonly header?: Record<string, unknown>
}

const CLAIM = 'ERR_JWT_CLAIM_VALIDATION_FAILED'
const EXPIRED = 'ERR_JWT_EXPIRED:exp'
const ALG_NOT_ALLOWED = 'ERR_JOSE_ALG_NOT_ALLOWED'
const NO_KEY = 'ERR_JWKS_NO_MATCHING_KEY'
const BAD_SIGNATURE = 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
const NOT_COMPACT = 'not a compact JWS'

const claimMutations: ClaimMutation[] = [
  { name: 'wrong iss', why: `${CLAIM}:iss`, claims: () => ({ iss: 'https://evil.example' }) },
  {
    name: 'iss with a trailing slash',
    why: `${CLAIM}:iss`,
    claims: () => ({ iss: `${idp.issuer}/` }),
  },
  { name: 'iss missing', why: `${CLAIM}:iss`, claims: () => ({ iss: undefined }) },
  { name: 'wrong aud', why: `${CLAIM}:aud`, claims: () => ({ aud: 'https://other.latch.test' }) },
  {
    name: 'aud list without ours',
    why: `${CLAIM}:aud`,
    claims: () => ({ aud: ['https://a.test', 'https://b.test'] }),
  },
  { name: 'aud missing', why: `${CLAIM}:aud`, claims: () => ({ aud: undefined }) },
  {
    name: 'expired an hour ago',
    why: EXPIRED,
    claims: () => ({ iat: now() - 7200, exp: now() - 3600 }),
  },
  {
    name: 'expired beyond the tolerance',
    why: EXPIRED,
    claims: () => ({ iat: now() - 400, exp: now() - 45 }),
  },
  { name: 'exp missing', why: `${CLAIM}:exp`, claims: () => ({ exp: undefined }) },
  { name: 'exp not a number', why: `${CLAIM}:exp`, claims: () => ({ exp: 'tomorrow' }) },
  { name: 'nbf an hour ahead', why: `${CLAIM}:nbf`, claims: () => ({ nbf: now() + 3600 }) },
  { name: 'nbf beyond the tolerance', why: `${CLAIM}:nbf`, claims: () => ({ nbf: now() + 45 }) },
  { name: 'iat missing', why: `${CLAIM}:iat`, claims: () => ({ iat: undefined }) },
  { name: 'sub missing', why: `${CLAIM}:sub`, claims: () => ({ sub: undefined }) },
  { name: 'sub empty', why: 'the sub claim', claims: () => ({ sub: '' }) },
  { name: 'sub not a string', why: 'the sub claim', claims: () => ({ sub: 42 }) },
  { name: 'email missing', why: 'the email claim', claims: () => ({ email: undefined }) },
  { name: 'email empty', why: 'the email claim', claims: () => ({ email: '' }) },
  { name: 'email a number', why: 'the email claim', claims: () => ({ email: 42 }) },
  {
    name: 'email a list',
    why: 'the email claim',
    claims: () => ({ email: ['alice@example.test'] }),
  },
  {
    name: 'email of 321 chars',
    why: 'the email claim',
    claims: () => ({ email: `${'a'.repeat(308)}@example.test` }),
  },
  { name: 'jti not a string', why: 'the jti claim', claims: () => ({ jti: 7 }) },
  { name: 'typ JWT (not an access token)', why: `${CLAIM}:typ`, header: { typ: 'JWT' } },
  { name: 'typ missing', why: `${CLAIM}:typ`, header: { typ: undefined } },
]

describe('rejected tokens: claim mutations × every published key', () => {
  const matrix = claimMutations.flatMap((mutation) =>
    (['ES256', 'RS256'] as const).map((alg) => ({ ...mutation, alg })),
  )

  it.for(matrix)('rejects $name ($alg)', async ({ claims, header, alg, why }) => {
    const key = alg === 'ES256' ? es : rs
    const token = await idp.signToken(claims?.() ?? {}, { key, ...(header ? { header } : {}) })
    await expectRejected(verifier, token, why)
  })
})

interface NegativeCase {
  readonly name: string
  /** What {@link reasonOf} of the cause must contain; garbage may fail anywhere. */
  readonly why?: string
  readonly make: () => Promise<string> | string
}

const unsignedAndKeyConfusion: NegativeCase[] = [
  // alg: none, built by hand
  ...[
    { alg: 'none' },
    { alg: 'None' },
    { alg: 'NONE' },
    { alg: 'none', typ: 'at+jwt', kid: 'idp-es256' },
  ].map((header) => ({
    name: `unsigned token with ${JSON.stringify(header)}`,
    why: ALG_NOT_ALLOWED,
    make: () => `${encodeJson(header)}.${parts(realToken)[1]}.`,
  })),
  {
    name: 'alg none keeping the real signature',
    why: ALG_NOT_ALLOWED,
    make: () => tamper(realToken, 'header', { alg: 'none' }),
  },
  // The classic key confusion: the public key as an HMAC secret.
  {
    name: 'HS256 keyed with the ES256 public key PEM, kid of that key',
    why: ALG_NOT_ALLOWED,
    make: async () => hmacToken('HS256', await exportSPKI(es.publicKey), claimsOf(), es.kid),
  },
  {
    name: 'HS256 keyed with the RS256 public key PEM, kid of that key',
    why: ALG_NOT_ALLOWED,
    make: async () => hmacToken('HS256', await exportSPKI(rs.publicKey), claimsOf(), rs.kid),
  },
  {
    name: 'HS256 keyed with the RS256 public key PEM, no kid',
    why: ALG_NOT_ALLOWED,
    make: async () => hmacToken('HS256', await exportSPKI(rs.publicKey), claimsOf()),
  },
  {
    name: 'HS384 keyed with the RS256 public key PEM',
    why: ALG_NOT_ALLOWED,
    make: async () => hmacToken('HS384', await exportSPKI(rs.publicKey), claimsOf(), rs.kid),
  },
  {
    name: 'HS512 keyed with the ES256 public key PEM',
    why: ALG_NOT_ALLOWED,
    make: async () => hmacToken('HS512', await exportSPKI(es.publicKey), claimsOf(), es.kid),
  },
  {
    name: 'HS256 keyed with the published ES256 JWK',
    why: ALG_NOT_ALLOWED,
    make: () => hmacToken('HS256', JSON.stringify(es.publicJwk), claimsOf(), es.kid),
  },
  {
    name: 'HS256 keyed with the published RS256 JWK',
    why: ALG_NOT_ALLOWED,
    make: () => hmacToken('HS256', JSON.stringify(rs.publicJwk), claimsOf(), rs.kid),
  },
  {
    name: 'HS256 keyed with the JWKS document as served',
    why: ALG_NOT_ALLOWED,
    make: async () => hmacToken('HS256', await (await fetch(idp.jwksUri)).text(), claimsOf()),
  },
  // Keys the provider does not publish
  {
    name: 'unknown kid: an ES256 key of its own',
    why: NO_KEY,
    make: () => idp.signToken({}, { key: foreignEs }),
  },
  {
    name: 'unknown kid: an RS256 key of its own',
    why: NO_KEY,
    make: () => idp.signToken({}, { key: foreignRs }),
  },
  {
    name: 'known ES256 kid, signed by another key',
    why: BAD_SIGNATURE,
    make: () => idp.signToken({}, { key: foreignEs, header: { kid: es.kid } }),
  },
  {
    name: 'known RS256 kid, signed by another key',
    why: BAD_SIGNATURE,
    make: () => idp.signToken({}, { key: foreignRs, header: { kid: rs.kid } }),
  },
  {
    name: 'no kid, signed by another ES256 key',
    why: BAD_SIGNATURE,
    make: () => idp.signToken({}, { key: foreignEs, header: { kid: undefined } }),
  },
  {
    name: 'attacker key embedded as a jwk header',
    why: BAD_SIGNATURE,
    make: () =>
      idp.signToken({}, { key: foreignEs, header: { kid: undefined, jwk: foreignEs.publicJwk } }),
  },
  {
    name: 'attacker JWKS offered through jku',
    why: NO_KEY,
    make: () => idp.signToken({}, { key: foreignEs, header: { jku: 'https://evil.example/jwks' } }),
  },
  {
    name: 'published RSA key used with PS256 (alg the JWK does not allow)',
    why: NO_KEY,
    make: async () => {
      const privateKey = await importJWK({ ...rs.privateJwk, alg: 'PS256' }, 'PS256')
      return new SignJWT(claimsOf())
        .setProtectedHeader({ alg: 'PS256', kid: rs.kid, typ: 'at+jwt' })
        .sign(privateKey)
    },
  },
]

const tamperedRealTokens: NegativeCase[] = [
  {
    name: 'real token, email changed after signing',
    why: BAD_SIGNATURE,
    make: () => tamper(realToken, 'payload', { email: 'admin@example.test' }),
  },
  {
    name: 'real token, sub changed after signing',
    why: BAD_SIGNATURE,
    make: () => tamper(realToken, 'payload', { sub: 'admin' }),
  },
  {
    name: 'real token, exp pushed a day later after signing',
    why: BAD_SIGNATURE,
    make: () => tamper(realToken, 'payload', { exp: now() + 86_400 }),
  },
  {
    name: 'real token, aud changed after signing',
    why: BAD_SIGNATURE,
    make: () => tamper(realToken, 'payload', { aud: 'https://other.latch.test' }),
  },
  {
    name: 'real token, kid switched to the RS256 key',
    why: NO_KEY,
    make: () => tamper(realToken, 'header', { kid: rs.kid }),
  },
  {
    name: 'real token, alg switched to ES384',
    why: NO_KEY,
    make: () => tamper(realToken, 'header', { alg: 'ES384' }),
  },
  {
    name: 'real token, one signature bit flipped',
    why: BAD_SIGNATURE,
    make: () => {
      const [header, payload, signature] = parts(realToken)
      const bytes = base64url.decode(signature)
      bytes[10] = (bytes[10] ?? 0) ^ 0x01
      return `${header}.${payload}.${base64url.encode(bytes)}`
    },
  },
  {
    name: 'real token, signature removed',
    why: BAD_SIGNATURE,
    make: () => `${parts(realToken)[0]}.${parts(realToken)[1]}.`,
  },
  {
    name: "real token with bob's signature",
    why: BAD_SIGNATURE,
    make: async () => {
      const [header, payload] = parts(realToken)
      return `${header}.${payload}.${parts(await idp.mintToken('bob'))[2]}`
    },
  },
  {
    name: 'real token of a client without an email claim',
    why: 'the email claim',
    make: () => idp.mintToken('machine'),
  },
  { name: 'real token with a trailing space', why: NOT_COMPACT, make: () => `${realToken} ` },
  { name: 'real token with base64 padding', why: NOT_COMPACT, make: () => `${realToken}==` },
  {
    name: 'real token with a line break in the signature',
    why: NOT_COMPACT,
    make: () => `${realToken.slice(0, -8)}\n${realToken.slice(-8)}`,
  },
  { name: 'real token with a fourth part', why: NOT_COMPACT, make: () => `${realToken}.AAAA` },
  { name: 'real token prefixed with Bearer', why: NOT_COMPACT, make: () => `Bearer ${realToken}` },
]

const garbage: NegativeCase[] = [
  '',
  ' ',
  'null',
  'abc',
  'a.b.c',
  '..',
  'eyJhbGciOiJFUzI1NiJ9..',
  'eyJhbGciOiJFUzI1NiJ9.e30.AAAA',
  'aGVsbG8.d29ybGQ.Zm9v',
  'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d',
  `${'x'.repeat(50_000)}.${'y'.repeat(50_000)}.z`,
  JSON.stringify({ sub: 'alice', email: 'alice@example.test' }),
].map((token) => ({ name: `garbage ${JSON.stringify(token.slice(0, 40))}`, make: () => token }))

function claimsOf(): Record<string, unknown> {
  const t = now()
  return {
    iss: idp.issuer,
    aud: idp.audience,
    sub: 'alice',
    email: 'alice@example.test',
    iat: t,
    exp: t + 300,
  }
}

describe('rejected tokens: unsigned, key confusion and foreign keys', () => {
  it.for(unsignedAndKeyConfusion)('rejects $name', async ({ make, why }) => {
    await expectRejected(verifier, await make(), why)
  })
})

describe('rejected tokens: tampered after signing', () => {
  it.for(tamperedRealTokens)('rejects $name', async ({ make, why }) => {
    await expectRejected(verifier, await make(), why)
  })
})

describe('rejected tokens: garbage', () => {
  it.for(garbage)('rejects $name', async ({ make, why }) => {
    await expectRejected(verifier, await make(), why)
  })
})

describe('rejected tokens: properties', () => {
  const segment = fc.base64String().map((text) => text.replace(/\+/g, '-').replace(/\//g, '_'))

  test.prop(
    [
      fc.oneof(
        fc.string(),
        fc.tuple(segment, segment, segment).map((s) => s.join('.')),
      ),
    ],
    {
      numRuns: NUM_RUNS,
    },
  )('no arbitrary string is accepted', async (token) => {
    tally.fuzzed += 1
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_AUTH_INVALID' })
  })

  test.prop([fc.constantFrom(0, 1, 2), fc.nat(), fc.integer({ min: 0, max: 7 })], {
    numRuns: NUM_RUNS,
  })('no single bit flip of a real token is accepted', async (part, index, bit) => {
    tally.fuzzed += 1
    const segments = parts(realToken)
    const bytes = base64url.decode(segments[part] ?? '')
    const at = index % bytes.length
    bytes[at] = (bytes[at] ?? 0) ^ (1 << bit)
    segments[part] = base64url.encode(bytes)
    await expect(verifier.verify(segments.join('.'))).rejects.toMatchObject({
      code: 'ERR_AUTH_INVALID',
    })
  })
})

it('rejected tokens: counts at least 50 negative cases and accepts none of them', () => {
  const cases =
    claimMutations.length * 2 +
    unsignedAndKeyConfusion.length +
    tamperedRealTokens.length +
    garbage.length
  expect(cases).toBeGreaterThanOrEqual(50)
  expect(tally.negatives).toBeGreaterThanOrEqual(cases)
  expect(tally.accepted).toBe(0)
})

it('rejects a real token when the verifier expects another audience', async () => {
  const other = await createOidcVerifier({ issuer: idp.issuer, audience: 'https://other.test' })
  await expectRejected(other, realToken)
})

// --- Key rotation and the JWKS cache ---

describe('key rotation', () => {
  it('refetches on an unknown kid, at most once per 30 s cooldown', async () => {
    const provider = await startOidcProvider()
    const rotating = await createOidcVerifier({
      issuer: provider.issuer,
      audience: provider.audience,
    })
    try {
      vi.useFakeTimers({ toFake: ['Date'] })
      const oldToken = await provider.mintToken()
      await rotating.verify(oldToken)
      expect(provider.jwksRequests).toBe(1)

      const issuer = provider.issuer
      await provider.restart({ keys: [await generateSigningKey('RS256', 'rotated-rs256')] })
      expect(provider.issuer).toBe(issuer)
      const newToken = await provider.mintToken()
      expect(parts(newToken)[0]).toBe(
        encodeJson({ alg: 'RS256', typ: 'at+jwt', kid: 'rotated-rs256' }),
      )

      // Inside the cooldown the unknown kid does not trigger a fetch, and the cached old key
      // still works: the window jwksCacheMaxAgeMs bounds.
      await expectRejected(rotating, newToken)
      expect(provider.jwksRequests).toBe(1)
      expect((await rotating.verify(oldToken)).email).toBe('alice@example.test')

      vi.setSystemTime(Date.now() + 31_000)
      expect((await rotating.verify(newToken)).email).toBe('alice@example.test')
      expect(provider.jwksRequests).toBe(2)
      const error = await expectRejected(rotating, oldToken)
      expect(error.cause).toBeInstanceOf(errors.JWKSNoMatchingKey)
    } finally {
      vi.useRealTimers()
      await provider.close()
    }
  })

  it('stops accepting a removed key once the JWKS is older than jwksCacheMaxAgeMs', async () => {
    const provider = await startOidcProvider()
    const rotating = await createOidcVerifier({
      issuer: provider.issuer,
      audience: provider.audience,
    })
    try {
      vi.useFakeTimers({ toFake: ['Date'] })
      const oldToken = await provider.mintToken()
      await rotating.verify(oldToken)
      await provider.restart({ keys: [await generateSigningKey('ES256')] })

      vi.setSystemTime(Date.now() + 59_000)
      expect((await rotating.verify(oldToken)).email).toBe('alice@example.test')
      expect(provider.jwksRequests).toBe(1)

      vi.setSystemTime(Date.now() + 2_000)
      await expectRejected(rotating, oldToken)
      expect(provider.jwksRequests).toBe(2)
      expect((await rotating.verify(await provider.mintToken('bob'))).email).toBe(
        'bob@example.test',
      )
    } finally {
      vi.useRealTimers()
      await provider.close()
    }
  })
})

// --- Discovery and an unreachable JWKS ---

describe('discovery and JWKS failures', () => {
  let stub: Server
  let base: string
  let closedPort: number

  beforeAll(async () => {
    const probe = createServer()
    closedPort = await listen(probe)
    await new Promise((resolve) => probe.close(resolve))

    stub = createServer((request, response) => {
      const [, scenario = '', rest = ''] = (request.url ?? '').split('/')
      const issuer = `${base}/${scenario}`
      const json = (status: number, body: unknown) => send(response, status, JSON.stringify(body))
      if (rest === 'jwks') {
        if (scenario === 'jwks-hangs') return
        return json(500, { error: 'down' })
      }
      switch (scenario) {
        case 'other-issuer':
          return json(200, { issuer: 'https://idp.example', jwks_uri: `${issuer}/jwks` })
        case 'no-jwks-uri':
          return json(200, { issuer })
        case 'bad-jwks-uri':
          return json(200, { issuer, jwks_uri: 'not a url' })
        case 'not-json':
          return send(response, 200, '<html>hello</html>')
        case 'a-list':
          return json(200, [issuer])
        case 'hangs':
          return
        case 'jwks-unreachable':
          return json(200, { issuer, jwks_uri: `http://127.0.0.1:${closedPort}/jwks` })
        case 'jwks-hangs':
        case 'jwks-500':
          return json(200, { issuer, jwks_uri: `${issuer}/jwks` })
        default:
          return json(404, { error: 'not found' })
      }
    })
    base = `http://127.0.0.1:${await listen(stub)}`
  })

  afterAll(async () => {
    const closed = new Promise((resolve) => stub.close(resolve))
    stub.closeAllConnections()
    await closed
  })

  it('rejects an issuer that differs from the discovery document by a trailing slash', async () => {
    const error = await configError({ issuer: `${idp.issuer}/`, audience: idp.audience })
    expect(error.message).toBe(
      `OIDC discovery failed for ${idp.issuer}/: the document names issuer "${idp.issuer}"`,
    )
  })

  it.for([
    ['other-issuer', 'the document names issuer "https://idp.example"'],
    ['no-jwks-uri', 'no valid jwks_uri'],
    ['bad-jwks-uri', 'no valid jwks_uri'],
    ['not-json', '.well-known/openid-configuration: SyntaxError'],
    ['a-list', 'the document is not a JSON object'],
    ['missing', 'HTTP 404 from'],
    ['hangs', 'within 300 ms'],
  ])('fails discovery with ERR_CONFIG_INVALID: %s', async ([scenario, reason]) => {
    const issuer = `${base}/${scenario}`
    const error = await configError({ issuer, audience: 'aud', timeoutMs: 300 })
    expect(error.message).toContain(`OIDC discovery failed for ${issuer}: `)
    expect(error.message).toContain(reason)
  })

  it('fails discovery when nothing listens', async () => {
    const issuer = `http://127.0.0.1:${closedPort}`
    const error = await configError({ issuer, audience: 'aud' })
    expect(error.message).toMatch(/^OIDC discovery failed for http:\/\/127\.0\.0\.1:\d+: /)
    expect(error.message).toContain('(ECONNREFUSED)')
    expect(error.cause).toBeInstanceOf(TypeError)
  })

  it.for<[string, Partial<OidcOptions>]>([
    ['none', { algorithms: ['none'] }],
    ['HS256', { algorithms: ['HS256'] }],
    ['HS512 among others', { algorithms: ['ES256', 'hs512'] }],
    ['no algorithms', { algorithms: [] }],
    ['an issuer that is not a URL', { issuer: 'idp.example' }],
    ['an ftp issuer', { issuer: 'ftp://idp.example' }],
    ['an empty audience', { audience: '' }],
    ['a negative timeout', { timeoutMs: -1 }],
    ['a fractional cache age', { jwksCacheMaxAgeMs: 0.5 }],
  ])('refuses options with %s', async ([, change]) => {
    const error = await configError({ issuer: idp.issuer, audience: idp.audience, ...change })
    expect(error.message).toMatch(/^OIDC configuration invalid: /)
  })

  it.for([
    ['jwks-unreachable', TypeError],
    ['jwks-hangs', errors.JWKSTimeout],
    ['jwks-500', errors.JOSEError],
  ] as const)(
    'fails closed with ERR_AUTH_INVALID when the JWKS is %s',
    async ([scenario, type]) => {
      const issuer = `${base}/${scenario}`
      const stubVerifier = await createOidcVerifier({ issuer, audience: 'aud', timeoutMs: 300 })
      const error = await expectRejected(
        stubVerifier,
        await idp.signToken({ iss: issuer, aud: 'aud' }),
      )
      expect(error.cause).toBeInstanceOf(type)
    },
  )
})

// --- Routing ---

describe('looksLikeJwt', () => {
  it('recognises compact JWS, including unsigned ones', async () => {
    expect(looksLikeJwt(realToken)).toBe(true)
    expect(looksLikeJwt(`${encodeJson({ alg: 'none' })}.${encodeJson({})}.`)).toBe(true)
    expect(looksLikeJwt(await idp.signToken({}, { key: rs }))).toBe(true)
  })

  it.for([
    '',
    'latch_pat_0123456789abcdef',
    'abc.def',
    'a.b.c',
    `${encodeJson({ typ: 'JWT' })}.e30.sig`,
    `${encodeJson({ alg: 1 })}.e30.sig`,
    `${encodeJson(['alg'])}.e30.sig`,
    `${encodeJson({ alg: 'ES256' })}..sig`,
    `${encodeJson({ alg: 'ES256' })}.e3+.sig`,
    `${encodeJson({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`,
    `${base64url.encode('x'.repeat(5000))}.e30.sig`,
  ])('says no to %j', (token) => {
    expect(looksLikeJwt(token)).toBe(false)
  })
})

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(body)
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}
