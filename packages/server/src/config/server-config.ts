import { DEFAULTS } from './defaults.js'

/** OIDC bearer tokens accepted besides API tokens. */
export interface OidcConfig {
  readonly issuer: string
  readonly audience: string
  readonly identityClaim: string
}

/** The whole key-server configuration; {@link resolveConfig} fills it from {@link DEFAULTS}. */
export interface ServerConfig {
  readonly dataDir: string
  /** A PostgreSQL URL, or `''` for SQLite in the data directory. */
  readonly database: string
  /** A file holding the PostgreSQL password, or `''`. */
  readonly databasePasswordFile: string
  readonly databasePoolSize: number
  readonly databaseTimeoutMs: number
  readonly host: string
  readonly port: number
  /** Where the root key is kept (`parseCustody`); `''`: the local root key. */
  readonly custody: string
  readonly kasId: string
  readonly bodyLimitBytes: number
  readonly batchMax: number
  readonly rateLimitMax: number
  readonly rateLimitAnonymousMax: number
  readonly rateLimitWindowMs: number
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDRs); empty: none. */
  readonly trustProxy: readonly string[]
  /** Browser origins allowed to call the API (exact match); empty: none. */
  readonly corsOrigins: readonly string[]
  readonly authFailureIntervalMs: number
  readonly checkpointIntervalMs: number
  readonly checkpointRecords: number
  readonly maxUnsignedRecords: number
  readonly maxUnsignedAgeMs: number
  readonly synchronous: 'NORMAL' | 'FULL'
  readonly logLevel: string
  /** Whether `/console` serves the web console. */
  readonly console: boolean
  readonly oidc: OidcConfig | undefined
  /** Whether OIDC callers may mint API tokens (`POST /v1/tokens`). */
  readonly oidcMayMintTokens: boolean
  /** The web console's OIDC client id (`''`: none; the console signs in with API tokens). */
  readonly consoleOidcClientId: string
  /** The scopes the web console asks for, space-separated. */
  readonly consoleOidcScopes: string
}

/** Options as given (flags, tests): anything left out takes its default. */
export type ServerConfigInput = Partial<Omit<ServerConfig, 'oidc'>> & {
  readonly oidc?: { issuer: string; audience: string; identityClaim?: string } | undefined
}

/** Fills a partial configuration from the defaults. */
export function resolveConfig(input: ServerConfigInput = {}): ServerConfig {
  const pick = <K extends keyof typeof DEFAULTS>(k: K) =>
    (input[k as keyof ServerConfigInput] ?? DEFAULTS[k].default) as (typeof DEFAULTS)[K]['default']
  return {
    dataDir: pick('dataDir'),
    database: pick('database'),
    databasePasswordFile: pick('databasePasswordFile'),
    databasePoolSize: pick('databasePoolSize'),
    databaseTimeoutMs: pick('databaseTimeoutMs'),
    host: pick('host'),
    port: pick('port'),
    custody: pick('custody'),
    kasId: pick('kasId'),
    bodyLimitBytes: pick('bodyLimitBytes'),
    batchMax: pick('batchMax'),
    rateLimitMax: pick('rateLimitMax'),
    rateLimitAnonymousMax: pick('rateLimitAnonymousMax'),
    rateLimitWindowMs: pick('rateLimitWindowMs'),
    trustProxy: pick('trustProxy'),
    corsOrigins: pick('corsOrigins'),
    authFailureIntervalMs: pick('authFailureIntervalMs'),
    checkpointIntervalMs: pick('checkpointIntervalMs'),
    checkpointRecords: pick('checkpointRecords'),
    maxUnsignedRecords: pick('maxUnsignedRecords'),
    maxUnsignedAgeMs: pick('maxUnsignedAgeMs'),
    synchronous: pick('synchronous'),
    logLevel: pick('logLevel'),
    console: pick('console'),
    oidcMayMintTokens: pick('oidcMayMintTokens'),
    consoleOidcClientId: pick('consoleOidcClientId'),
    consoleOidcScopes: pick('consoleOidcScopes'),
    oidc:
      input.oidc === undefined
        ? undefined
        : {
            issuer: input.oidc.issuer,
            audience: input.oidc.audience,
            identityClaim: input.oidc.identityClaim ?? DEFAULTS.oidcIdentityClaim.default,
          },
  }
}
