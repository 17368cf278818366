import type { AuditVerifyReport, CheckpointVerifierKey } from '@latch/audit'

/** A verified log: the verifier's report, the key it trusted and the log's origin. */
export type VerifiedLog = AuditVerifyReport & {
  readonly key: CheckpointVerifierKey
  readonly origin: string
}
