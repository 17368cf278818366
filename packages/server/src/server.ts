import type { FastifyInstance } from 'fastify'
import { auditEvent } from './audit/audit-event.js'
import { SYSTEM_IDENTITY } from './auth/identity.js'
import { bootstrapAdmin } from './bootstrap-admin.js'
import { resolveConfig, type ServerConfigInput } from './config/server-config.js'
import { buildApp } from './http/app.js'
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
  const services = await openServices(config, options.overrides)
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
