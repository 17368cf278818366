/**
 * The Latch key server: identities, policies, audited key release and the hash-chained audit
 * log, over a Fastify HTTP API whose contract is `@latch/protocol`, on SQLite or PostgreSQL behind
 * one {@link Store} interface.
 *
 * @packageDocumentation
 */
export { type VerifyStoreOptions, verifyStore } from './audit/verify-store.js'
export { ADMIN_TOKEN_FILE, FIRST_ADMIN_EMAIL } from './bootstrap-admin.js'
export { DEFAULTS } from './config/defaults.js'
export { resolveConfig, type ServerConfig, type ServerConfigInput } from './config/server-config.js'
export { ServerError } from './errors.js'
export { buildApp } from './http/app.js'
export { type RunningServer, type StartOptions, startServer } from './server.js'
export { closeServices, type KeyServerServices, openServices } from './services.js'
export {
  openPostgresStore,
  type PostgresStoreOptions,
} from './store/postgres/open-postgres-store.js'
export { redactUrl } from './store/postgres/redact-url.js'
export { openSqliteStore, type SqliteStoreOptions } from './store/sqlite/open-sqlite-store.js'
export type { Store } from './store/store.js'
