import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'

/** Options of {@link presignDownload}. */
export interface PresignDownloadOptions {
  readonly client: S3Client
  readonly bucket: string
  readonly key: string
  /** Seconds the URL stays valid. Default 300. */
  readonly expiresIn?: number
}

/**
 * A presigned GET of a stored object, for a browser that decrypts it itself: the URL reveals only
 * ciphertext (the key comes from the key server, to readers of the policy only).
 */
export function presignDownload(options: PresignDownloadOptions): Promise<string> {
  return getSignedUrl(
    options.client,
    new GetObjectCommand({ Bucket: options.bucket, Key: options.key }),
    { expiresIn: options.expiresIn ?? 300 },
  )
}
