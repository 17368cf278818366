/**
 * The Latch key server: identities, policies, audited key release and the hash-chained audit
 * log, over a Fastify HTTP API whose contract is `@latch/protocol`, on SQLite or PostgreSQL behind
 * one {@link Store} interface.
 *
 * @packageDocumentation
 */
export type { AuditExportHeader } from './audit/audit-export.js'
export { AUDIT_TIME_TOLERANCE_MS } from './audit/audit-time-tolerance.js'
export { type CheckpointVerifierKey, verifyCheckpointNote } from './audit/checkpoint-note.js'
export { readAuditExport } from './audit/read-audit-export.js'
export { formatVerifierKey, parseVerifierKey } from './audit/verifier-key.js'
export {
  type AuditProblem,
  type AuditRow,
  type AuditVerifyReport,
  verifyAuditLog,
} from './audit/verify-audit-log.js'
export { verifyStore } from './audit/verify-store.js'
export { writeAuditExport } from './audit/write-audit-export.js'
export { ADMIN_TOKEN_FILE, FIRST_ADMIN_EMAIL } from './bootstrap-admin.js'
export { DEFAULTS } from './config/defaults.js'
export { resolveConfig, type ServerConfig, type ServerConfigInput } from './config/server-config.js'
export { ServerError } from './errors.js'
export { buildApp } from './http/app.js'
export {
  buildFileReport,
  type FileReport,
  type FileReportInput,
  type ForeignTokenReleases,
  type ReportEvent,
} from './report/file-report.js'
export { type RunningServer, type StartOptions, startServer } from './server.js'
export { closeServices, type KeyServerServices, openServices } from './services.js'
export {
  openPostgresStore,
  type PostgresStoreOptions,
} from './store/postgres/open-postgres-store.js'
export { redactUrl } from './store/postgres/redact-url.js'
export { openSqliteStore, type SqliteStoreOptions } from './store/sqlite/open-sqlite-store.js'
export type { Store } from './store/store.js'
