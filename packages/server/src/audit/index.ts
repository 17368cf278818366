export {
  AUDIT_EXPORT_FORMAT,
  type AuditExportCheckpoint,
  type AuditExportHeader,
} from './audit-export.js'
export { type AuditValue, canonicalJson } from './canonical-json.js'
export { chainHash, genesisHash, leafHash } from './chain-hash.js'
export {
  type Checkpoint,
  type CheckpointSigner,
  type CheckpointVerifierKey,
  checkpointKeyId,
  noteHash,
  type ParsedCheckpointNote,
  parseCheckpointNote,
  signCheckpoint,
  verifyCheckpointNote,
} from './checkpoint-note.js'
export {
  type AuditExportReading,
  type ReadAuditExportOptions,
  readAuditExport,
} from './read-audit-export.js'
export {
  type AuditProblem,
  type AuditProblemKind,
  type AuditRow,
  type AuditVerifyReport,
  type AuditWindowStart,
  MAX_REPORTED_PROBLEMS,
  type VerifyAuditLogInput,
  verifyAuditLog,
} from './verify-audit-log.js'
export {
  type AuditExportSource,
  type AuditExportSummary,
  type WriteAuditExportOptions,
  writeAuditExport,
} from './write-audit-export.js'
