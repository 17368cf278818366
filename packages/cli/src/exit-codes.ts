import type { AuditErrorCode } from '@latch/audit'
import type { ClientErrorCode } from '@latch/client'
import type { FormatErrorCode } from '@latch/format'
import type { ServerErrorCode } from '@latch/protocol'
import type { S3ErrorCode } from '@latch/s3'
import type { CliErrorCode } from './errors.js'

/** Every error code a `latch` command can end with. */
export type AnyErrorCode =
  | FormatErrorCode
  | AuditErrorCode
  | ServerErrorCode
  | ClientErrorCode
  | S3ErrorCode
  | CliErrorCode

/** sysexits(3) values of the CLI's exit codes (the table in `docs/CLI.md`). */
export const EX = Object.freeze({
  OK: 0,
  USAGE: 64,
  DATAERR: 65,
  NOINPUT: 66,
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  NOPERM: 77,
} as const)

/** The exit code of every error code: exhaustive, so a new code fails to compile until mapped. */
export const exitCodeFor = Object.freeze({
  ERR_FORMAT_HEADER_INVALID: EX.DATAERR,
  ERR_FORMAT_VERSION_UNSUPPORTED: EX.DATAERR,
  ERR_FORMAT_LENGTH_INVALID: EX.DATAERR,
  ERR_FORMAT_DECRYPT_FAILED: EX.DATAERR,
  ERR_FORMAT_RANGE_INVALID: EX.USAGE,
  ERR_FORMAT_ARGUMENT_INVALID: EX.USAGE,
  ERR_FORMAT_SEGMENT_REJECTED: EX.SOFTWARE,
  ERR_AUDIT_CHECKPOINT_INVALID: EX.DATAERR,
  ERR_AUDIT_CHECKPOINT_MISSING: EX.UNAVAILABLE,
  ERR_AUDIT_EXPORT_INVALID: EX.DATAERR,
  ERR_AUDIT_ARGUMENT_INVALID: EX.SOFTWARE,
  ERR_REQUEST_INVALID: EX.USAGE,
  ERR_REQUEST_TOO_LARGE: EX.USAGE,
  ERR_CURSOR_INVALID: EX.USAGE,
  ERR_AUTH_REQUIRED: EX.NOPERM,
  ERR_AUTH_INVALID: EX.NOPERM,
  ERR_ACCESS_DENIED: EX.NOPERM,
  ERR_ACCESS_FORBIDDEN: EX.NOPERM,
  ERR_NOT_FOUND: EX.NOINPUT,
  ERR_CONFLICT: EX.DATAERR,
  ERR_RATE_LIMITED: EX.UNAVAILABLE,
  ERR_AUDIT_UNAVAILABLE: EX.UNAVAILABLE,
  ERR_STORE_UNAVAILABLE: EX.UNAVAILABLE,
  ERR_CUSTODY_UNAVAILABLE: EX.UNAVAILABLE,
  ERR_INTERNAL: EX.SOFTWARE,
  ERR_CONFIG_INVALID: EX.USAGE,
  ERR_CLIENT_UNAVAILABLE: EX.UNAVAILABLE,
  ERR_CLIENT_RESPONSE_INVALID: EX.SOFTWARE,
  ERR_CLIENT_CONFIG_INVALID: EX.USAGE,
  ERR_S3_UNAVAILABLE: EX.UNAVAILABLE,
  ERR_S3_NOT_FOUND: EX.NOINPUT,
  ERR_S3_ACCESS_DENIED: EX.NOPERM,
  ERR_S3_CHANGED: EX.DATAERR,
  ERR_S3_REQUEST_FAILED: EX.USAGE,
  ERR_S3_ARGUMENT_INVALID: EX.USAGE,
  ERR_S3_UPLOAD_INVALID: EX.DATAERR,
  ERR_CLI_USAGE: EX.USAGE,
  ERR_CLI_NOT_FOUND: EX.NOINPUT,
  ERR_CLI_AUDIT_INVALID: EX.DATAERR,
} as const satisfies Record<AnyErrorCode, number>)

/**
 * Whether `code` is one of {@link AnyErrorCode}, so that {@link exitCodeFor} maps it.
 *
 * @param code - The `code` of an error this command caught.
 */
export function isAnyErrorCode(code: string): code is AnyErrorCode {
  return Object.hasOwn(exitCodeFor, code)
}
