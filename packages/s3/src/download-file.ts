import { Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { S3Client } from '@aws-sdk/client-s3'
import { type LatchClient, writeAtomically } from '@latch/client'
import type { PlaintextRange } from '@latch/format'
import {
  type DecryptedObject,
  type GetObjectOptions,
  getObject,
  type ParallelGetOptions,
} from './get-object.js'

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  readonly client: S3Client
  readonly latch: LatchClient
  readonly range?: PlaintextRange | string
  readonly versionId?: string
  /** Parallel ranged GETs for a large whole object (see {@link GetObjectOptions.parallel}). */
  readonly parallel?: ParallelGetOptions | boolean
  /** Called as plaintext bytes arrive. */
  readonly onProgress?: (progress: { loaded: number; total: number }) => void
  readonly signal?: AbortSignal
}

/**
 * Downloads and decrypts `s3://bucket/key` (or a plaintext range of it) into a local file, or a
 * writable. A file appears only once every byte verified: it is written beside its final name and
 * renamed, so a tampered or truncated object leaves nothing behind.
 */
export async function downloadFile(
  bucket: string,
  key: string,
  output: string | Writable,
  options: DownloadOptions,
): Promise<Omit<DecryptedObject, 'body'>> {
  const { body, ...object } = await getObject({ ...options, bucket, key })
  let loaded = 0
  const report = options.onProgress
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      loaded += chunk.length
      report?.({ loaded, total: object.contentLength })
      done(null, chunk)
    },
  })
  const signal = options.signal === undefined ? {} : { signal: options.signal }
  if (typeof output !== 'string') {
    await pipeline(body, counted, output, signal)
    return object
  }
  await writeAtomically(output, (sink) => pipeline(body, counted, sink, signal))
  return object
}
