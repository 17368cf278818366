import { ProjectError } from '@latch/format'

/**
 * Failures of S3 itself, as Latch reports them (the SDK's errors are mapped by `$fault`, name and
 * status; the original is the `cause`):
 *
 * - `ERR_S3_UNAVAILABLE`: S3 cannot be reached, timed out, or answered 5xx.
 * - `ERR_S3_NOT_FOUND`: no such bucket, key or version.
 * - `ERR_S3_ACCESS_DENIED`: S3 refused the credentials or the request (403).
 * - `ERR_S3_CHANGED`: the object changed between the requests of one download (its ETag or
 *   version no longer matches): nothing more is released.
 * - `ERR_S3_REQUEST_FAILED`: any other refusal by S3 (a 4xx such as an invalid bucket name).
 * - `ERR_S3_UPLOAD_INVALID`: a browser upload S3 completed is not what was planned (a part missing
 *   or of the wrong size, not a Latch object, another policy's header): it was deleted.
 * - `ERR_S3_ARGUMENT_INVALID`: options this library cannot honour (a part size that is not a
 *   multiple of 64 KiB, a stream of unknown length given to a transparent PutObject).
 */
export type S3ErrorCode =
  | 'ERR_S3_UNAVAILABLE'
  | 'ERR_S3_NOT_FOUND'
  | 'ERR_S3_ACCESS_DENIED'
  | 'ERR_S3_CHANGED'
  | 'ERR_S3_REQUEST_FAILED'
  | 'ERR_S3_ARGUMENT_INVALID'
  | 'ERR_S3_UPLOAD_INVALID'

/** Every code of {@link S3ErrorCode}. */
export const S3_ERROR_CODES = Object.freeze([
  'ERR_S3_UNAVAILABLE',
  'ERR_S3_NOT_FOUND',
  'ERR_S3_ACCESS_DENIED',
  'ERR_S3_CHANGED',
  'ERR_S3_REQUEST_FAILED',
  'ERR_S3_ARGUMENT_INVALID',
  'ERR_S3_UPLOAD_INVALID',
] as const satisfies readonly S3ErrorCode[])

/** An error of the S3 layer. */
export class S3Error extends ProjectError<S3ErrorCode> {}
