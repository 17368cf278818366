import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3'
import { S3Error } from '../errors.js'
import { sendS3 } from '../send-s3.js'

/** Options of {@link abortStaleUploads}. */
export interface AbortStaleUploadsOptions {
  readonly client: S3Client
  readonly bucket: string
  /** Only uploads whose key starts with this (the app's upload prefix). */
  readonly prefix: string
  /** Uploads started longer ago than this are aborted. */
  readonly olderThanMs: number
  readonly now?: Date
  readonly signal?: AbortSignal
}

/**
 * Aborts the multipart uploads under a prefix that started more than `olderThanMs` ago: browsers
 * that went away mid-upload leave parts S3 keeps (and bills) until someone aborts them. Run it
 * periodically with an age past the presigned URLs' lifetime. Returns the keys it aborted.
 *
 * @throws S3Error when S3 cannot be reached or refuses.
 */
export async function abortStaleUploads(options: AbortStaleUploadsOptions): Promise<string[]> {
  const { client, bucket, signal } = options
  const cutoff = (options.now ?? new Date()).getTime() - options.olderThanMs
  const aborted: string[] = []
  let keyMarker: string | undefined
  let uploadIdMarker: string | undefined
  do {
    const page: ListMultipartUploadsCommandOutput = await sendS3<ListMultipartUploadsCommandOutput>(
      client,
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        Prefix: options.prefix,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
      `s3://${bucket}/${options.prefix}`,
      signal,
    )
    for (const upload of page.Uploads ?? []) {
      if (upload.Key === undefined || upload.UploadId === undefined) continue
      if ((upload.Initiated?.getTime() ?? 0) > cutoff) continue
      try {
        await sendS3(
          client,
          new AbortMultipartUploadCommand({
            Bucket: bucket,
            Key: upload.Key,
            UploadId: upload.UploadId,
          }),
          `s3://${bucket}/${upload.Key}`,
          signal,
        )
        aborted.push(upload.Key)
      } catch (error) {
        if (!(error instanceof S3Error && error.code === 'ERR_S3_NOT_FOUND')) throw error
      }
    }
    keyMarker = page.IsTruncated === true ? page.NextKeyMarker : undefined
    uploadIdMarker = page.IsTruncated === true ? page.NextUploadIdMarker : undefined
  } while (keyMarker !== undefined)
  return aborted
}
