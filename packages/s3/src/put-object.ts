import { EncryptedUpload, type UploadBody, type UploadResult } from './encrypted-upload.js'
import type { TransferOptions } from './upload-file.js'

/** Encrypts bytes or a stream and stores them at `s3://bucket/key` (see {@link EncryptedUpload}). */
export async function putObject(
  bucket: string,
  key: string,
  body: UploadBody,
  options: TransferOptions & { size?: number },
): Promise<UploadResult> {
  const upload = new EncryptedUpload({ ...options, bucket, key, body })
  if (options.onProgress !== undefined) upload.on('progress', options.onProgress)
  return upload.done()
}
