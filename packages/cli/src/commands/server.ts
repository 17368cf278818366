import { DEFAULTS } from '@latch/server/defaults'
import { Command, Option } from 'commander'
import { CliError } from '../errors.js'
import type { Io } from '../io.js'
import { parseCount, parseList, parsePort } from './parse-flags.js'

/**
 * `latch server`: runs the key server until SIGINT/SIGTERM, on SQLite under `--data`, or on the
 * PostgreSQL database of `--database` (default `LATCH_DATABASE`), which several instances may
 * share; its password from `--database-password-file` (default `LATCH_DATABASE_PASSWORD_FILE`),
 * `LATCH_DATABASE_PASSWORD`, `PGPASSWORD` or `~/.pgpass`, and a warning when the URL on the
 * command line holds one. Logs (JSON lines, no secrets) go to stderr; the first start writes the
 * admin token to `DATA/admin.token`.
 */
export function serverCommand(io: Io): Command {
  return new Command('server')
    .description('run the key server (SQLite under --data, or PostgreSQL with --database)')
    .option('--data <dir>', DEFAULTS.dataDir.description, DEFAULTS.dataDir.default)
    .option(
      '--database <url>',
      DEFAULTS.database.description,
      io.env.LATCH_DATABASE ?? DEFAULTS.database.default,
    )
    .option(
      '--database-password-file <file>',
      DEFAULTS.databasePasswordFile.description,
      io.env.LATCH_DATABASE_PASSWORD_FILE ?? DEFAULTS.databasePasswordFile.default,
    )
    .option(
      '--custody <uri>',
      DEFAULTS.custody.description,
      io.env.LATCH_CUSTODY ?? DEFAULTS.custody.default,
    )
    .option('--host <host>', DEFAULTS.host.description, DEFAULTS.host.default)
    .option('--port <port>', DEFAULTS.port.description, parsePort, DEFAULTS.port.default)
    .option('--kas-id <id>', DEFAULTS.kasId.description, DEFAULTS.kasId.default)
    .option('--oidc-issuer <url>', 'accept OIDC bearer tokens from this issuer')
    .option('--oidc-audience <aud>', 'the audience OIDC tokens must carry')
    .option(
      '--oidc-claim <name>',
      DEFAULTS.oidcIdentityClaim.description,
      DEFAULTS.oidcIdentityClaim.default,
    )
    .option('--oidc-may-mint-tokens', DEFAULTS.oidcMayMintTokens.description)
    .option(
      '--console-oidc-client-id <id>',
      DEFAULTS.consoleOidcClientId.description,
      DEFAULTS.consoleOidcClientId.default,
    )
    .option(
      '--console-oidc-scopes <scopes>',
      DEFAULTS.consoleOidcScopes.description,
      DEFAULTS.consoleOidcScopes.default,
    )
    .addOption(
      new Option('--sync <mode>', DEFAULTS.synchronous.description)
        .choices(['NORMAL', 'FULL'])
        .default(DEFAULTS.synchronous.default),
    )
    .option(
      '--rate-limit <n>',
      `${DEFAULTS.rateLimitMax.title} (per minute)`,
      parseCount,
      DEFAULTS.rateLimitMax.default,
    )
    .option(
      '--rate-limit-anonymous <n>',
      `${DEFAULTS.rateLimitAnonymousMax.title} (per minute)`,
      parseCount,
      DEFAULTS.rateLimitAnonymousMax.default,
    )
    .option(
      '--trust-proxy <addrs>',
      `${DEFAULTS.trustProxy.title}: comma-separated addresses or CIDRs whose X-Forwarded-For is believed (default: none)`,
      parseList,
    )
    .option(
      '--cors-origin <origin>',
      `${DEFAULTS.corsOrigins.title}: a browser origin allowed to call the API, matched exactly; repeat for more (default: none)`,
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--auth-failure-interval <ms>',
      DEFAULTS.authFailureIntervalMs.description,
      parseCount,
      DEFAULTS.authFailureIntervalMs.default,
    )
    .option(
      '--checkpoint-interval <ms>',
      DEFAULTS.checkpointIntervalMs.description,
      parseCount,
      DEFAULTS.checkpointIntervalMs.default,
    )
    .option('--no-console', 'do not serve the web console at /console')
    .option('--log-level <level>', DEFAULTS.logLevel.description, DEFAULTS.logLevel.default)
    .action(async (options: ServerFlags, command: Command) => {
      if ((options.oidcIssuer === undefined) !== (options.oidcAudience === undefined)) {
        throw new CliError('ERR_CLI_USAGE', '--oidc-issuer and --oidc-audience go together')
      }
      if (command.getOptionValueSource('database') === 'cli' && holdsPassword(options.database)) {
        io.stderr.write(
          'latch: warning: the password in --database is visible to every user of this machine (ps); give it with --database-password-file, LATCH_DATABASE_PASSWORD or PGPASSWORD instead\n',
        )
      }
      // Loaded here so that every other command starts without the server's dependencies.
      const { redactUrl, startServer } = await import('@latch/server')
      const server = await startServer({
        dataDir: options.data,
        database: options.database,
        databasePasswordFile: options.databasePasswordFile,
        custody: options.custody,
        checkpointIntervalMs: options.checkpointInterval,
        host: options.host,
        port: options.port,
        kasId: options.kasId,
        synchronous: options.sync,
        rateLimitMax: options.rateLimit,
        rateLimitAnonymousMax: options.rateLimitAnonymous,
        rateLimitWindowMs: 60_000,
        trustProxy: options.trustProxy ?? DEFAULTS.trustProxy.default,
        corsOrigins: options.corsOrigin ?? DEFAULTS.corsOrigins.default,
        authFailureIntervalMs: options.authFailureInterval,
        logger: { level: options.logLevel, stream: io.stderr },
        oidcMayMintTokens: options.oidcMayMintTokens === true,
        console: options.console,
        consoleOidcClientId: options.consoleOidcClientId,
        consoleOidcScopes: options.consoleOidcScopes,
        oidc:
          options.oidcIssuer === undefined || options.oidcAudience === undefined
            ? undefined
            : {
                issuer: options.oidcIssuer,
                audience: options.oidcAudience,
                identityClaim: options.oidcClaim,
              },
      })
      const where =
        options.database === ''
          ? `data in ${options.data}`
          : `database ${redactUrl(options.database)}, data in ${options.data}`
      io.stderr.write(`latch server listening on ${server.url} (${where})\n`)
      if (options.console) io.stderr.write(`web console: ${server.url}/console\n`)
      if (server.adminTokenFile !== undefined) {
        io.stderr.write(`first start: admin token written to ${server.adminTokenFile}\n`)
      }
      await io.stopped
      await server.close()
    })
}

function holdsPassword(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.password !== '' || parsed.searchParams.has('password')
  } catch {
    return false
  }
}

interface ServerFlags {
  data: string
  database: string
  databasePasswordFile: string
  custody: string
  checkpointInterval: number
  host: string
  port: number
  kasId: string
  oidcIssuer?: string
  oidcAudience?: string
  oidcClaim: string
  oidcMayMintTokens?: boolean
  consoleOidcClientId: string
  consoleOidcScopes: string
  sync: 'NORMAL' | 'FULL'
  logLevel: string
  console: boolean
  rateLimit: number
  rateLimitAnonymous: number
  trustProxy?: string[]
  corsOrigin?: string[]
  authFailureInterval: number
}
