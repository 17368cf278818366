import { DEFAULTS } from './defaults.js'

const FLAGS: Record<keyof typeof DEFAULTS, string> = {
  dataDir: '--data',
  database: '--database',
  databasePasswordFile: '--database-password-file',
  databasePoolSize: '—',
  databaseTimeoutMs: '—',
  host: '--host',
  port: '--port',
  custody: '--custody',
  kasId: '--kas-id',
  bodyLimitBytes: '—',
  batchMax: '—',
  rateLimitMax: '--rate-limit',
  rateLimitAnonymousMax: '--rate-limit-anonymous',
  rateLimitWindowMs: '— (60 s from the CLI)',
  trustProxy: '--trust-proxy',
  corsOrigins: '--cors-origin (repeatable)',
  authFailureIntervalMs: '--auth-failure-interval',
  checkpointIntervalMs: '--checkpoint-interval',
  checkpointRecords: '—',
  maxUnsignedRecords: '—',
  maxUnsignedAgeMs: '—',
  synchronous: '--sync',
  oidcIdentityClaim: '--oidc-claim',
  oidcMayMintTokens: '--oidc-may-mint-tokens',
  consoleOidcClientId: '--console-oidc-client-id',
  consoleOidcScopes: '--console-oidc-scopes',
  console: '--no-console',
  logLevel: '--log-level',
}

/**
 * Renders `docs/CONFIGURATION.md` from {@link DEFAULTS}: one row per option with its
 * `latch server` flag, default and meaning. `npm run docs` writes it; a test keeps it current.
 */
export function renderConfigurationDoc(): string {
  const rows = Object.entries(DEFAULTS).map(([name, option]) => {
    const flag = FLAGS[name as keyof typeof DEFAULTS]
    const value =
      option.default === '' || (Array.isArray(option.default) && option.default.length === 0)
        ? '(empty)'
        : `\`${String(option.default)}\``
    return `| ${option.title} | \`${name}\` | ${flag.startsWith('-') ? `\`${flag}\`` : flag} | ${value} | ${option.description} |`
  })
  return [
    '# Key-server configuration',
    '',
    '<!-- Generated from packages/server/src/config/defaults.ts by `npm run docs`; do not edit. -->',
    '',
    'Every option of `latch server` (and of `startServer()` in `@latch/server`), with its default.',
    'Besides these: `LATCH_ROOT_KEY` (the 32-byte root key that seals the server keys, as 64 hex',
    'digits or 43 base64url characters; when unset, `DATA/root.key` is created with mode 0600 on',
    'first start; every instance on one PostgreSQL database needs the same root key), `LATCH_DATABASE`',
    '(the default of `--database`), `LATCH_DATABASE_PASSWORD_FILE` (the default of',
    '`--database-password-file`), `LATCH_DATABASE_PASSWORD` (the PostgreSQL password when no',
    'password file is given; `PGPASSWORD` and `~/.pgpass` work too), and',
    '`--oidc-issuer URL --oidc-audience AUD` to accept OIDC bearer tokens. Running several',
    'instances: `docs/DEPLOYMENT.md`.',
    '',
    '| option | name | flag | default | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n')
}
