/**
 * Every failure of the format is a {@link FormatError} whose `code` comes from this closed union.
 * Codes are public API: they are never renamed or reused (see `docs/errors.md`).
 *
 * - `ERR_FORMAT_HEADER_INVALID`: the bytes are not a well-formed Latch header (bad magic, a length
 *   field out of bounds, a malformed key entry or JWE, bytes that disagree with `header_len`).
 * - `ERR_FORMAT_VERSION_UNSUPPORTED`: a Latch header of a version, suite or segment size this
 *   reader does not implement.
 * - `ERR_FORMAT_LENGTH_INVALID`: the body's length cannot be a Latch body (truncated, no final
 *   segment, too many segments, an impossible object size).
 * - `ERR_FORMAT_DECRYPT_FAILED`: any authentication failure (key commitment, header MAC, a segment
 *   tag, a key entry that does not open or is bound to another object). One code on purpose: the
 *   caller never learns which check failed.
 * - `ERR_FORMAT_RANGE_INVALID`: a plaintext byte range outside the object.
 * - `ERR_FORMAT_ARGUMENT_INVALID`: the caller passed a value the format cannot encode (a policy id
 *   with other characters, a key of the wrong size, a public key that is not X25519).
 * - `ERR_FORMAT_SEGMENT_REJECTED`: the writer refused a segment (an index used twice, a segment
 *   after the final one, a wrong segment length, an index ≥ 2^32).
 */
export type FormatErrorCode =
  | 'ERR_FORMAT_HEADER_INVALID'
  | 'ERR_FORMAT_VERSION_UNSUPPORTED'
  | 'ERR_FORMAT_LENGTH_INVALID'
  | 'ERR_FORMAT_DECRYPT_FAILED'
  | 'ERR_FORMAT_RANGE_INVALID'
  | 'ERR_FORMAT_ARGUMENT_INVALID'
  | 'ERR_FORMAT_SEGMENT_REJECTED'

/** Every code of {@link FormatErrorCode}, for exhaustive tables and the docs test. */
export const FORMAT_ERROR_CODES = Object.freeze([
  'ERR_FORMAT_HEADER_INVALID',
  'ERR_FORMAT_VERSION_UNSUPPORTED',
  'ERR_FORMAT_LENGTH_INVALID',
  'ERR_FORMAT_DECRYPT_FAILED',
  'ERR_FORMAT_RANGE_INVALID',
  'ERR_FORMAT_ARGUMENT_INVALID',
  'ERR_FORMAT_SEGMENT_REJECTED',
] as const satisfies readonly FormatErrorCode[])

/**
 * The base of every error Latch throws: a message for people and a stable `code` for programs.
 * It carries no HTTP status and no exit code; the edges map codes to those.
 */
export class ProjectError<C extends string = string> extends Error {
  readonly code: C

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/**
 * An error of the object format.
 *
 * @example
 * ```ts
 * try { await decryptBuffer(object, getKey) } catch (err) {
 *   if (err instanceof FormatError && err.code === 'ERR_FORMAT_DECRYPT_FAILED') { … }
 * }
 * ```
 */
export class FormatError extends ProjectError<FormatErrorCode> {}

/** The one error for every authentication failure: its message never says which check failed. */
export function decryptFailed(): FormatError {
  return new FormatError('ERR_FORMAT_DECRYPT_FAILED', 'the object failed authentication')
}
