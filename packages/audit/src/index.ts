/**
 * The Latch audit log, offline: the canonical JSON of its records (RFC 8785), the hash chain
 * (RFC 6962 leaves), the signed checkpoint notes (C2SP signed-note, Ed25519) and their verifier
 * keys, the verifier of a whole log or of a window between two checkpoints, the export file and
 * the per-file report. It imports nothing but `node:*`, so an auditor can check an export with
 * only this package and the published checkpoint key (`docs/audit-events.md`).
 *
 * @packageDocumentation
 */
export { AUDIT_ERROR_CODES, AuditError, type AuditErrorCode } from './audit-error.js'
export {
  AUDIT_EXPORT_FORMAT,
  type AuditExportCheckpoint,
  type AuditExportHeader,
} from './audit-export.js'
export {
  type AuditProblem,
  type AuditProblemKind,
  MAX_REPORTED_PROBLEMS,
} from './audit-problem.js'
export { auditProblemText } from './audit-problem-text.js'
export type { AuditRow } from './audit-row.js'
export { AUDIT_TIME_TOLERANCE_MS } from './audit-time-tolerance.js'
export {
  buildFileReport,
  type FileReport,
  type FileReportInput,
  type ForeignTokenReleases,
  type ReportBound,
  type ReportEvent,
} from './build-file-report.js'
export { type AuditValue, canonicalJson } from './canonical-json.js'
export { chainHash } from './chain-hash.js'
export type { Checkpoint, CheckpointSigner, CheckpointVerifierKey } from './checkpoint.js'
export { checkpointKeyId } from './checkpoint-key-id.js'
export { ed25519PublicKey } from './ed25519-public-key.js'
export {
  type AuditExportEncoding,
  type AuditExportSource,
  type AuditExportSummary,
  encodeAuditExport,
} from './encode-audit-export.js'
export { type FileReportBounds, fileReportBounds } from './file-report-bounds.js'
export {
  type FileReportConclusion,
  fileReportConclusion,
} from './file-report-conclusion.js'
export { formatVerifierKey } from './format-verifier-key.js'
export { genesisHash } from './genesis-hash.js'
export { leafHash } from './leaf-hash.js'
export { noteHash } from './note-hash.js'
export { type ParsedCheckpointNote, parseCheckpointNote } from './parse-checkpoint-note.js'
export { parseVerifierKey } from './parse-verifier-key.js'
export {
  type AuditExportReading,
  type ReadAuditExportOptions,
  readAuditExport,
} from './read-audit-export.js'
export { AUDIT_RECORD_VERSION, type SealedRecord, sealRecord } from './seal-record.js'
export { signCheckpoint } from './sign-checkpoint.js'
export {
  type SplitReportConclusion,
  type SplitReportHolder,
  type SplitReportUnnamed,
  type SplitServerReport,
  splitReportConclusion,
} from './split-report-conclusion.js'
export {
  type AuditRowPages,
  type AuditVerifyReport,
  type AuditWindowStart,
  type VerifyAuditLogInput,
  verifyAuditLog,
} from './verify-audit-log.js'
export { verifyCheckpointNote } from './verify-checkpoint-note.js'
