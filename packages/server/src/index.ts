/**
 * The Latch key server: identities, policies, audited key release and the hash-chained audit
 * log, over a Fastify HTTP API whose contract is `@latch/protocol`, on SQLite or PostgreSQL behind
 * one {@link Store} interface. {@link startServer} runs one; the stores and {@link verifyStore}
 * are for tools that work on a key server's database directly (`latch audit verify --data`).
 * The configuration's defaults are `@latch/server/defaults`, which loads nothing else.
 *
 * @packageDocumentation
 */
export { type VerifyStoreOptions, verifyStore } from './audit/verify-store.js'
export { ServerError } from './errors.js'
export { createCustodyKey } from './keys/custody/create-custody-key.js'
export type { SealLogEntry } from './keys/custody/log-seals.js'
export {
  type ResealOptions,
  type ResealResult,
  resealServerKeys,
} from './keys/reseal-server-keys.js'
export { type RunningServer, type StartOptions, startServer } from './server.js'
export {
  openPostgresStore,
  type PostgresStoreOptions,
} from './store/postgres/open-postgres-store.js'
export { redactUrl } from './store/postgres/redact-url.js'
export { openSqliteStore, type SqliteStoreOptions } from './store/sqlite/open-sqlite-store.js'
export type { Store } from './store/store.js'
