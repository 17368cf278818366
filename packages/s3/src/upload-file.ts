import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { S3Client } from '@aws-sdk/client-s3'
import type { LatchClient, PolicyOptions } from '@latch/client'
import { EncryptedUpload, type UploadProgress, type UploadResult } from './encrypted-upload.js'

/** Options of {@link uploadFile} and {@link putObject}: the policy, the clients, and tuning. */
export interface TransferOptions extends PolicyOptions {
  readonly client: S3Client
  readonly latch: LatchClient
  readonly partSize?: number
  readonly queueSize?: number
  readonly contentType?: string
  readonly metadata?: Readonly<Record<string, string>>
  readonly onProgress?: (progress: UploadProgress) => void
  readonly signal?: AbortSignal
}

/**
 * Encrypts a local file and uploads it to `s3://bucket/key`; returns the policy id to keep (and
 * the rest of the {@link UploadResult}). Any size, in bounded memory; nothing is left in S3 on
 * failure.
 *
 * @example
 * ```ts
 * const { policyId } = await uploadFile('scan.pdf', 'claims', 'c-1/scan.pdf', {
 *   client: createS3Client(), latch: LatchClient.fromEnv(), readers: ['bob@example.com'],
 * })
 * ```
 */
export async function uploadFile(
  localFile: string,
  bucket: string,
  key: string,
  options: TransferOptions,
): Promise<UploadResult> {
  const { size } = await stat(localFile)
  const upload = new EncryptedUpload({
    ...options,
    bucket,
    key,
    size,
    body: createReadStream(localFile, { highWaterMark: 1024 * 1024 }),
  })
  if (options.onProgress !== undefined) upload.on('progress', options.onProgress)
  return upload.done()
}
