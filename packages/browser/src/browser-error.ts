import { ProjectError } from '@latch/format/web'

/**
 * Failures of a browser upload or download:
 *
 * - `ERR_BROWSER_UPLOAD_FAILED`: a part could not be stored (S3 refused it or the network failed);
 *   the upload was aborted.
 * - `ERR_BROWSER_DOWNLOAD_FAILED`: the object could not be fetched.
 * - `ERR_BROWSER_ACCESS_DENIED`: the key server refused the key (every refusal looks the same).
 * - `ERR_BROWSER_PLAN_INVALID`: the app's upload plan does not fit the file.
 *
 * A tampered object fails with the format's `ERR_FORMAT_DECRYPT_FAILED` (or another
 * `ERR_FORMAT_*`) as the decrypted stream's error.
 */
export type BrowserErrorCode =
  | 'ERR_BROWSER_UPLOAD_FAILED'
  | 'ERR_BROWSER_DOWNLOAD_FAILED'
  | 'ERR_BROWSER_ACCESS_DENIED'
  | 'ERR_BROWSER_PLAN_INVALID'

/** An error of `@latch/browser`. */
export class BrowserError extends ProjectError<BrowserErrorCode> {}
