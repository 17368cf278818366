/**
 * Every failure the audit code throws is an {@link AuditError} whose `code` comes from this
 * closed union. Codes are public API: never renamed or reused (`docs/errors.md`). The exit code
 * of each lives in the CLI's table; a key server that meets one maps it to its own codes.
 *
 * - `ERR_AUDIT_CHECKPOINT_INVALID`: a checkpoint note or verifier key that does not parse, or
 *   whose key name, key id or signature does not match.
 * - `ERR_AUDIT_CHECKPOINT_MISSING`: no checkpoint is signed late enough after a per-file report's
 *   window yet (`AUDIT_TIME_TOLERANCE_MS` after its end): sign one and retry.
 * - `ERR_AUDIT_EXPORT_INVALID`: an audit export that is not one: empty, another format, a line
 *   that is malformed, out of place or cut off.
 * - `ERR_AUDIT_ARGUMENT_INVALID`: a value the audit code cannot write or use: canonical JSON of
 *   something that is not JSON without floats, a hash that is not 32 bytes, a checkpoint that
 *   cannot be written as a note, a key that is not Ed25519, a window that is not sizes or ends
 *   before it starts. A programming error of the caller.
 */
export type AuditErrorCode =
  | 'ERR_AUDIT_CHECKPOINT_INVALID'
  | 'ERR_AUDIT_CHECKPOINT_MISSING'
  | 'ERR_AUDIT_EXPORT_INVALID'
  | 'ERR_AUDIT_ARGUMENT_INVALID'

/** Every code of {@link AuditErrorCode}, for exhaustive tables and the docs test. */
export const AUDIT_ERROR_CODES = Object.freeze([
  'ERR_AUDIT_CHECKPOINT_INVALID',
  'ERR_AUDIT_CHECKPOINT_MISSING',
  'ERR_AUDIT_EXPORT_INVALID',
  'ERR_AUDIT_ARGUMENT_INVALID',
] as const satisfies readonly AuditErrorCode[])

/**
 * An error of the audit code, with a stable {@link AuditErrorCode}. It has the shape of the other
 * packages' `ProjectError` (`name`, `code`, `cause`) without depending on them: the audit package
 * imports nothing but `node:*`.
 *
 * @example
 * try {
 *   parseVerifierKey(text)
 * } catch (error) {
 *   if (error instanceof AuditError && error.code === 'ERR_AUDIT_CHECKPOINT_INVALID') // …
 * }
 */
export class AuditError extends Error {
  readonly code: AuditErrorCode

  /**
   * @param code the stable code.
   * @param message one line for a person.
   * @param options the underlying error, if any.
   */
  constructor(code: AuditErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}
