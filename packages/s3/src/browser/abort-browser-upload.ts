import { AbortMultipartUploadCommand, DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { S3Error } from '../errors.js'
import { sendS3 } from '../send-s3.js'
import type { BrowserUpload } from './start-browser-upload.js'

/** Options of {@link abortBrowserUpload}. */
export interface AbortBrowserUploadOptions {
  readonly client: S3Client
  readonly upload: Pick<BrowserUpload, 'bucket' | 'key' | 'uploadId'>
  readonly signal?: AbortSignal
}

/**
 * Leaves nothing of a browser upload behind: aborts its multipart upload (S3 drops the parts; an
 * upload already gone is fine) and deletes whatever object the key holds. Call it only for an
 * upload the app has not completed: it deletes the key's object, whoever wrote it.
 *
 * @throws S3Error when S3 cannot be reached or refuses.
 */
export async function abortBrowserUpload(options: AbortBrowserUploadOptions): Promise<void> {
  const { client, upload, signal } = options
  const where = `s3://${upload.bucket}/${upload.key}`
  if (upload.uploadId !== undefined) {
    try {
      await sendS3(
        client,
        new AbortMultipartUploadCommand({
          Bucket: upload.bucket,
          Key: upload.key,
          UploadId: upload.uploadId,
        }),
        where,
        signal,
      )
    } catch (error) {
      if (!(error instanceof S3Error && error.code === 'ERR_S3_NOT_FOUND')) throw error
    }
  }
  await sendS3(
    client,
    new DeleteObjectCommand({ Bucket: upload.bucket, Key: upload.key }),
    where,
    signal,
  )
}
