import {
  CreateMultipartUploadCommand,
  type CreateMultipartUploadCommandOutput,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { sendS3 } from '../send-s3.js'
import {
  type BrowserUploadPlan,
  type PlannedPart,
  planBrowserUpload,
} from './plan-browser-upload.js'

/** Options of {@link startBrowserUpload}. */
export interface StartBrowserUploadOptions {
  readonly client: S3Client
  readonly bucket: string
  /** The object's key: the app chooses it, never the browser. */
  readonly key: string
  readonly plaintextSize: number
  /** The header's size, from the browser (it made the header with the key server's keys). */
  readonly headerSize: number
  /** Plaintext bytes per part (multiple of 64 KiB, ≥ 5 MiB). Default 8 MiB. */
  readonly partSize?: number
  /**
   * Whether one part goes up as a single `PutObject` (three S3 requests fewer) rather than a multipart
   * upload of one part. Default false: a `PutObject` URL can rewrite the completed, registered
   * object with other bytes of the same size until it expires (docs/S3.md), while part URLs die
   * with the upload when it completes.
   */
  readonly singlePut?: boolean
  /** Seconds the presigned URLs stay valid. Default 600. */
  readonly expiresIn?: number
  readonly signal?: AbortSignal
}

/** A part of the plan with the URL the browser PUTs it to. */
export interface PresignedPart extends PlannedPart {
  readonly url: string
}

/** What the app hands the browser (and keeps, to complete or abort the upload). */
export interface BrowserUpload extends Omit<BrowserUploadPlan, 'parts'> {
  readonly bucket: string
  readonly key: string
  /** The multipart upload's id; absent for a single PUT (one part). */
  readonly uploadId: string | undefined
  readonly parts: readonly PresignedPart[]
  /** When the URLs stop working. */
  readonly expiresAt: string
}

/**
 * Starts an upload the browser performs without the app in the data path: plans the parts
 * ({@link planBrowserUpload}), then creates a multipart upload and presigns an `UploadPart` per
 * part (or, with `singlePut` and one part, presigns one `PutObject`). Each URL pins the bucket, the
 * key, the part number and the exact `Content-Length` (a signed header): S3 refuses any other body
 * size, so the browser cannot store a bigger or smaller object than planned, nor anything
 * elsewhere. The app's own credentials sign; the browser holds none.
 *
 * @throws S3Error `ERR_S3_ARGUMENT_INVALID` (sizes), or S3's failure to create the upload.
 */
export async function startBrowserUpload(
  options: StartBrowserUploadOptions,
): Promise<BrowserUpload> {
  const plan = planBrowserUpload(options.plaintextSize, options.headerSize, options.partSize)
  const expiresIn = options.expiresIn ?? 600
  const expiresAt = new Date(Date.now() + expiresIn * 1000).toISOString()
  const { bucket, key, client } = options
  const signed = { expiresIn, signableHeaders: new Set(['content-length']) }
  const [first] = plan.parts
  if (plan.parts.length === 1 && first !== undefined && options.singlePut === true) {
    const url = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: bucket, Key: key, ContentLength: first.size }),
      signed,
    )
    return { ...plan, bucket, key, uploadId: undefined, parts: [{ ...first, url }], expiresAt }
  }
  const created = await sendS3<CreateMultipartUploadCommandOutput>(
    client,
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
    `s3://${bucket}/${key}`,
    options.signal,
  )
  const uploadId = created.UploadId as string
  const parts = await Promise.all(
    plan.parts.map(async (part) => ({
      ...part,
      url: await getSignedUrl(
        client,
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: part.partNumber,
          ContentLength: part.size,
        }),
        signed,
      ),
    })),
  )
  return { ...plan, bucket, key, uploadId, parts, expiresAt }
}
