/** One configuration option: its default and what it means (`docs/CONFIGURATION.md` is generated from these). */
export interface OptionDoc<T> {
  readonly title: string
  readonly description: string
  readonly default: T
  readonly example: T
}

/**
 * Every key-server option with its default. Flags of `latch server` map onto these;
 * `docs/CONFIGURATION.md` lists them.
 */
export const DEFAULTS = {
  dataDir: {
    title: 'Data directory',
    description:
      'Holds the SQLite database (unless a PostgreSQL database is given), root.key (unless LATCH_ROOT_KEY is set) and admin.token.',
    default: './.latch',
    example: '/var/lib/latch',
  },
  database: {
    title: 'Database',
    description:
      'A PostgreSQL URL (postgres://user:password@host:port/database) that several instances share; LATCH_DATABASE sets it too. Empty: the SQLite file latch.db in the data directory.',
    default: '',
    example: 'postgres://latch@db.internal:5432/latch',
  },
  databasePasswordFile: {
    title: 'PostgreSQL password file',
    description:
      'A file whose first line is the PostgreSQL password, so that it stays out of the process list (a password in a --database URL on the command line is visible to every user of the machine); LATCH_DATABASE_PASSWORD_FILE sets it too. Refused when the group or others may read or write it. Empty: LATCH_DATABASE_PASSWORD, else PGPASSWORD or ~/.pgpass (read by the driver).',
    default: '',
    example: '/run/secrets/latch-db-password',
  },
  databasePoolSize: {
    title: 'PostgreSQL connections',
    description:
      'Connections each instance keeps open to PostgreSQL (plus one for the checkpoint signer).',
    default: 10,
    example: 20,
  },
  databaseTimeoutMs: {
    title: 'PostgreSQL timeout',
    description:
      'A statement, lock wait or connection attempt that takes longer fails with 503 (fail closed): no key is released.',
    default: 5_000,
    example: 2_000,
  },
  host: {
    title: 'Listen address',
    description: 'Loopback by default; put a TLS-terminating proxy in front for other hosts.',
    default: '127.0.0.1',
    example: '0.0.0.0',
  },
  port: {
    title: 'Listen port',
    description: 'TCP port of the HTTP API; 0 picks a free one.',
    default: 8400,
    example: 8400,
  },
  custody: {
    title: 'Root key custody',
    description:
      'Where the root key that seals the server keys is kept; LATCH_CUSTODY sets it too. Empty or root-key: LATCH_ROOT_KEY, else DATA/root.key. root-key:FILE: a key file (mode 0600). A PKCS#11 URI (RFC 7512) with token (or slot-id), object (the AES key label), module-path and optionally pin-source=file:PATH (else LATCH_PKCS11_PIN): an HSM. aws-kms:KEY?region=R (optionally &endpoint=URL): an AWS KMS key, credentials from the AWS SDK chain. The server does not start when the custody cannot be reached or does not open the stored keys (docs/DEPLOYMENT.md).',
    default: '',
    example:
      'pkcs11:token=latch;object=latch-root?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/secrets/latch-pin',
  },
  kasId: {
    title: 'Key server id',
    description:
      'The name key entries carry in `kas_id` (format §3): which key server holds the key.',
    default: 'latch',
    example: 'kas-eu-1',
  },
  bodyLimitBytes: {
    title: 'Request size limit',
    description: 'Bodies above this get 413 ERR_REQUEST_TOO_LARGE.',
    default: 1_048_576,
    example: 262_144,
  },
  batchMax: {
    title: 'Batch size',
    description:
      'Most key requests in one POST /v1/rewrap/batch, and most policies in one POST /v1/policies/batch.',
    default: 100,
    example: 500,
  },
  rateLimitMax: {
    title: 'Requests per identity per window',
    description:
      'Past this, 429 ERR_RATE_LIMITED with Retry-After. Keyed by the authenticated email, or by source address for anonymous requests. Each item of a batch (POST /v1/rewrap/batch, POST /v1/policies/batch) counts as one request.',
    default: 60_000,
    example: 6_000,
  },
  rateLimitAnonymousMax: {
    title: 'Unauthenticated requests per address per window',
    description:
      'Requests to authenticated routes without a valid token, per source address: past this, 429 ERR_RATE_LIMITED with Retry-After, before any audit record. Much lower than rateLimitMax, which applies to authenticated identities (and to the public routes, per address).',
    default: 600,
    example: 120,
  },
  rateLimitWindowMs: {
    title: 'Rate-limit window',
    description: 'Length of the rate-limit window in milliseconds.',
    default: 60_000,
    example: 10_000,
  },
  trustProxy: {
    title: 'Trusted proxies',
    description:
      'Addresses or CIDR ranges of the load balancers in front (comma-separated on the command line). A request from one of them is attributed to the address its X-Forwarded-For names, in audit records and in the rate limit. Empty: no proxy is trusted, and X-Forwarded-For is ignored.',
    default: [] as readonly string[],
    example: ['10.0.0.0/8', '192.0.2.7'] as readonly string[],
  },
  corsOrigins: {
    title: 'Allowed browser origins (CORS)',
    description:
      "Origins (scheme://host[:port], matched exactly) whose pages may call the API from a browser with a bearer token, e.g. a page that reads a file with the user's OIDC token (repeat --cors-origin on the command line). No wildcard, no cookies: requests carry Authorization, never credentials. Empty: no CORS headers at all, so browsers refuse cross-origin calls.",
    default: [] as readonly string[],
    example: ['https://forms.example.com'] as readonly string[],
  },
  authFailureIntervalMs: {
    title: 'Failed-authentication interval',
    description:
      'Failed authentications on the key-release routes are recorded per source address and interval: the first one at once, the others counted in one auth.failed record when the interval ends.',
    default: 60_000,
    example: 300_000,
  },
  checkpointIntervalMs: {
    title: 'Checkpoint interval',
    description: 'A signed checkpoint of the audit chain at least this often, even when idle.',
    default: 60_000,
    example: 30_000,
  },
  checkpointRecords: {
    title: 'Checkpoint every N records',
    description: 'A signed checkpoint as soon as this many records are unsigned.',
    default: 10_000,
    example: 1_000,
  },
  maxUnsignedRecords: {
    title: 'Unsigned tail bound (records)',
    description:
      'Past this many records after the last checkpoint, every audited operation stops with 503 (fail closed).',
    default: 100_000,
    example: 50_000,
  },
  maxUnsignedAgeMs: {
    title: 'Unsigned tail bound (age)',
    description:
      'When the oldest unsigned record is older than this, every audited operation stops with 503.',
    default: 300_000,
    example: 120_000,
  },
  synchronous: {
    title: 'SQLite durability',
    description:
      'NORMAL survives a killed process (the WAL is in the OS cache); FULL also survives power loss, at one fsync per decision.',
    default: 'NORMAL' as 'NORMAL' | 'FULL',
    example: 'FULL' as 'NORMAL' | 'FULL',
  },
  oidcIdentityClaim: {
    title: 'OIDC identity claim',
    description: 'The claim of an OIDC access token that names the user.',
    default: 'email',
    example: 'preferred_username',
  },
  oidcMayMintTokens: {
    title: 'OIDC callers may mint API tokens',
    description:
      'Whether a caller authenticated by an OIDC token may mint API tokens (POST /v1/tokens). Off: a stolen short-lived OIDC token cannot become a long-lived API token; 403 ERR_ACCESS_FORBIDDEN.',
    default: false as boolean,
    example: true as boolean,
  },
  consoleOidcClientId: {
    title: 'Console OIDC client id',
    description:
      "The web console's client id at the OIDC issuer (a public client: authorization code with PKCE), published to browsers at GET /console/config.json with the issuer and the scopes. Empty, or no OIDC issuer: the console signs in with an API token.",
    default: '',
    example: 'latch-console',
  },
  consoleOidcScopes: {
    title: 'Console OIDC scopes',
    description:
      'The scopes the web console asks the OIDC issuer for, space-separated: the token must carry the identity claim (oidcIdentityClaim) and the audience the server requires.',
    default: 'openid email',
    example: 'openid email latch-api',
  },
  console: {
    title: 'Web console',
    description:
      "Serve the web console (@latch/console) at /console: a single-page app under a strict Content-Security-Policy that signs in with an API token or through the OIDC issuer and works on this server's /v1 API only. false: no /console route.",
    default: true as boolean,
    example: false as boolean,
  },
  logLevel: {
    title: 'Log level',
    description: 'pino level; logs never hold a token, a key or plaintext.',
    default: 'info',
    example: 'warn',
  },
} as const satisfies Record<string, OptionDoc<unknown>>
