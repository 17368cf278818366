/**
 * Latch in the browser: {@link encryptAndUpload} encrypts a file with WebCrypto and sends it
 * straight to S3 through the app's presigned URLs (the app never sees the plaintext and the page
 * holds no credential); {@link fetchDecrypted} fetches an object and decrypts it with the reader's
 * token. No Node API: `@latch/format`'s web build, `fetch` and web streams.
 *
 * @packageDocumentation
 */
export { BrowserError, type BrowserErrorCode } from './browser-error.js'
export {
  type EncryptAndUploadOptions,
  encryptAndUpload,
  type UploadPart,
  type UploadPlan,
  type UploadProgress,
} from './encrypt-and-upload.js'
export { type FetchDecryptedOptions, fetchDecrypted } from './fetch-decrypted.js'
export { type KeyServerAccess, keyServerResolver } from './key-server-resolver.js'
