/**
 * Encrypted S3 for Latch over AWS SDK v3 (a peer dependency): `uploadFile`/`downloadFile`,
 * `putObject`/`getObject` for buffers and streams, `EncryptedUpload` for multipart uploads of any
 * size, ranged downloads, `protectS3Client` for transparent `PutObject`/`GetObject`, and the app
 * backend's side of browser uploads (`startBrowserUpload`, `completeBrowserUpload`, ...).
 *
 * @packageDocumentation
 */
export {
  type AbortBrowserUploadOptions,
  abortBrowserUpload,
} from './browser/abort-browser-upload.js'
export { type AbortStaleUploadsOptions, abortStaleUploads } from './browser/abort-stale-uploads.js'
export {
  type CompleteBrowserUploadOptions,
  type CompletedBrowserUpload,
  completeBrowserUpload,
} from './browser/complete-browser-upload.js'
export {
  type BrowserUploadPlan,
  MIN_PART_SIZE,
  type PlannedPart,
  planBrowserUpload,
} from './browser/plan-browser-upload.js'
export { type PresignDownloadOptions, presignDownload } from './browser/presign-download.js'
export {
  type BrowserUpload,
  type PresignedPart,
  type StartBrowserUploadOptions,
  startBrowserUpload,
} from './browser/start-browser-upload.js'
export { createS3Client } from './create-s3-client.js'
export { type DownloadOptions, downloadFile } from './download-file.js'
export {
  EncryptedUpload,
  type EncryptedUploadOptions,
  POLICY_METADATA_KEY,
  type UploadBody,
  type UploadProgress,
  type UploadResult,
} from './encrypted-upload.js'
export { S3_ERROR_CODES, S3Error, type S3ErrorCode } from './errors.js'
export {
  type DecryptedObject,
  type GetObjectOptions,
  getObject,
  type ParallelGetOptions,
} from './get-object.js'
export { type ProtectOptions, policyIdOfPut, protectS3Client } from './protect-s3-client.js'
export { putObject } from './put-object.js'
export { type ReadLatchHeaderResult, readLatchHeader } from './read-latch-header.js'
export { type TransferOptions, uploadFile } from './upload-file.js'
