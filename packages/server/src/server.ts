import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { auditEvent } from './audit/audit-event.js'
import { SYSTEM_IDENTITY } from './auth/identity.js'
import { bootstrapAdmin } from './bootstrap-admin.js'
import { resolveConfig, type ServerConfigInput } from './config/server-config.js'
import { buildApp } from './http/app.js'
import type { SealLogEntry } from './keys/custody/log-seals.js'
import {
  closeServices,
  type KeyServerServices,
  openServices,
  type ServiceOverrides,
  underStartupLock,
} from './services.js'

/** A running key server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8400`. */
  readonly url: string
  readonly app: FastifyInstance
  readonly services: KeyServerServices
  /** Path of the admin token file when this start created the first admin. */
  readonly adminTokenFile: string | undefined
  /** Stops listening, signs a last checkpoint, closes the database. */
  close(): Promise<void>
}

/** Options of {@link startServer}: the configuration, plus logging and injected parts. */
export interface StartOptions extends ServerConfigInput {
  /** pino logger options; `false` for none. Default: info-level JSON lines on stdout. */
  readonly logger?: boolean | { level: string; stream?: NodeJS.WritableStream }
  readonly overrides?: ServiceOverrides
}

/**
 * Starts a key server: opens its services, creates the first admin on first start, records the
 * start in the audit chain, signs a checkpoint, and listens.
 *
 * @example
 * ```ts
 * const server = await startServer({ dataDir: './.latch', port: 8400 })
 * console.log(server.url)
 * await server.close()
 * ```
 * @throws ServerError `ERR_CONFIG_INVALID`, `ERR_STORE_UNAVAILABLE`.
 */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config = resolveConfig(options)
  // Seals and unseals happen before the app (and its logger) exists: kept until it does.
  let log: FastifyBaseLogger | undefined
  const early: SealLogEntry[] = []
  const services = await openServices(config, {
    ...options.overrides,
    onSeal(entry) {
      options.overrides?.onSeal?.(entry)
      if (log === undefined) early.push(entry)
      else logSeal(log, entry)
    },
  })
  try {
    const adminTokenFile = await underStartupLock(services.store, () =>
      bootstrapAdmin(services.store, config.dataDir),
    )
    const app = await buildApp(services, {
      logger:
        options.logger === false
          ? false
          : {
              level: typeof options.logger === 'object' ? options.logger.level : config.logLevel,
              redact: ['req.headers.authorization'],
              ...(typeof options.logger === 'object' && options.logger.stream !== undefined
                ? { stream: options.logger.stream }
                : {}),
            },
    })
    log = app.log
    for (const entry of early.splice(0)) logSeal(app.log, entry)
    app.log.info(
      { custody: services.custody, unsealMs: Math.round(services.unsealMs) },
      'key custody open, server keys unsealed',
    )
    for (const warning of services.startupWarnings) app.log.warn(warning)
    // Sign first: after a crash and a long outage, the unsigned tail left behind would be past
    // its age bound and refuse even this record. Signing appends nothing.
    await services.checkpointer.sign()
    await services.store.appendAudit(
      auditEvent('server.start', SYSTEM_IDENTITY, undefined, {
        kas_id: config.kasId,
        wrap_kid: services.keys.currentKid,
        pid: process.pid,
      }),
    )
    await services.checkpointer.start()
    const address = await app.listen({ host: config.host, port: config.port })
    return {
      url: address.replace('[::1]', '127.0.0.1'),
      app,
      services,
      adminTokenFile,
      async close() {
        await app.close()
        await closeServices(services)
      },
    }
  } catch (error) {
    await closeServices(services).catch(() => undefined)
    throw error
  }
}

function logSeal(log: FastifyBaseLogger, entry: SealLogEntry): void {
  const { op, ...fields } = entry
  if (entry.ok) log.info({ event: `custody.${op}`, ...fields }, `server key ${op}ed`)
  else log.warn({ event: `custody.${op}`, ...fields }, `server key ${op} failed`)
}
