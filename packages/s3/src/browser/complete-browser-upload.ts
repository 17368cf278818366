import {
  CompleteMultipartUploadCommand,
  type CompleteMultipartUploadCommandOutput,
  ListPartsCommand,
  type ListPartsCommandOutput,
  type Part,
  type S3Client,
} from '@aws-sdk/client-s3'
import type { KeyServerClient } from '@latch/client'
import { S3Error } from '../errors.js'
import { readLatchHeader } from '../read-latch-header.js'
import { sendS3 } from '../send-s3.js'
import { abortBrowserUpload } from './abort-browser-upload.js'
import type { BrowserUpload } from './start-browser-upload.js'

/** Options of {@link completeBrowserUpload}. */
export interface CompleteBrowserUploadOptions {
  readonly client: S3Client
  /** The upload as {@link startBrowserUpload} returned it (kept by the app, not sent back by the browser). */
  readonly upload: Pick<BrowserUpload, 'bucket' | 'key' | 'uploadId' | 'objectSize' | 'parts'>
  /** The policy the app created for this object: the header must name it. */
  readonly policyId: string
  /** The key server, as the account that created the policy (or its owner): registers the object. */
  readonly keyServer: KeyServerClient
  readonly signal?: AbortSignal
}

/** A completed, checked and registered browser upload. */
export interface CompletedBrowserUpload {
  readonly bucket: string
  readonly key: string
  readonly policyId: string
  /** base64url object id and header hash, as the key server recorded them. */
  readonly objectId: string
  readonly coreHash: string
  readonly objectSize: number
  readonly etag: string | undefined
}

/**
 * Finishes a browser upload: lists the parts S3 holds (the browser's word is not needed: every
 * planned part must be there with its planned size), completes the multipart upload, reads the
 * stored object's header back and checks that it names `policyId` and that the object has the
 * planned size, then registers the object on the policy. Any failure — a part missing, a header
 * for another policy (a browser trying to file someone else's object under this form), not a
 * Latch object at all, and also S3 or the key server failing, or refusing the registration —
 * aborts the upload and deletes the object before it is thrown: nothing unchecked or
 * unregistered stays in the bucket. The app may start a new upload.
 *
 * @throws S3Error `ERR_S3_UPLOAD_INVALID` (the upload was refused), other S3 failures;
 *   KeyServerError when the key server refuses or fails the registration.
 */
export async function completeBrowserUpload(
  options: CompleteBrowserUploadOptions,
): Promise<CompletedBrowserUpload> {
  const { client, upload, signal } = options
  const where = `s3://${upload.bucket}/${upload.key}`
  try {
    if (upload.uploadId !== undefined) {
      // Page by page: S3 lists at most 1,000 parts per answer.
      const stored = new Map<number | undefined, Part>()
      let marker: string | undefined
      do {
        const listed = await sendS3<ListPartsCommandOutput>(
          client,
          new ListPartsCommand({
            Bucket: upload.bucket,
            Key: upload.key,
            UploadId: upload.uploadId,
            PartNumberMarker: marker,
          }),
          where,
          signal,
        )
        for (const part of listed.Parts ?? []) stored.set(part.PartNumber, part)
        marker = listed.IsTruncated === true ? listed.NextPartNumberMarker : undefined
      } while (marker !== undefined)
      for (const part of upload.parts) {
        const got = stored.get(part.partNumber)
        if (got === undefined || got.Size !== part.size) {
          throw invalid(`${where}: part ${part.partNumber} is missing or has the wrong size`)
        }
      }
      await sendS3<CompleteMultipartUploadCommandOutput>(
        client,
        new CompleteMultipartUploadCommand({
          Bucket: upload.bucket,
          Key: upload.key,
          UploadId: upload.uploadId,
          MultipartUpload: {
            Parts: upload.parts.map((p) => ({
              PartNumber: p.partNumber,
              ETag: stored.get(p.partNumber)?.ETag,
            })),
          },
        }),
        where,
        signal,
      )
    }
    const { header, objectSize, etag } = await readLatchHeader({
      client,
      bucket: upload.bucket,
      key: upload.key,
      ...(signal === undefined ? {} : { signal }),
    }).catch((error: unknown) => {
      if (error instanceof S3Error) throw error
      throw invalid(`${where} is not a Latch object`, error)
    })
    if (header.core.policyId !== options.policyId) {
      throw invalid(`${where} is not encrypted under policy ${options.policyId}`)
    }
    if (objectSize !== upload.objectSize) {
      throw invalid(`${where} is ${objectSize} bytes, not the planned ${upload.objectSize}`)
    }
    const objectId = Buffer.from(header.core.objectId).toString('base64url')
    const coreHash = Buffer.from(header.coreHash).toString('base64url')
    await options.keyServer.addPolicyObject(options.policyId, {
      objectId,
      coreHash,
      bucket: upload.bucket,
      key: upload.key,
    })
    return {
      bucket: upload.bucket,
      key: upload.key,
      policyId: options.policyId,
      objectId,
      coreHash,
      objectSize,
      etag,
    }
  } catch (error) {
    // Whatever failed — a check, S3 mid-way, the key server refusing or not answering the
    // registration — no unregistered object and no pending upload may stay. Without the caller's
    // signal: an aborted completion still cleans up. A failed clean-up does not hide the cause.
    await abortBrowserUpload({ client, upload }).catch(() => undefined)
    throw error
  }
}

function invalid(message: string, cause?: unknown): S3Error {
  return new S3Error('ERR_S3_UPLOAD_INVALID', message, cause === undefined ? {} : { cause })
}
