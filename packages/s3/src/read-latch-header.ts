import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3'
import {
  FormatError,
  type Header,
  MAX_HEADER_SIZE,
  parseHeader,
  readHeaderSize,
} from '@latch/format'
import { S3Error } from './errors.js'
import { answerRange } from './internal/answer-range.js'
import { notLatchObject } from './not-latch-object.js'
import { sendS3 } from './send-s3.js'

/** The first answer of a download: the object's header, its first bytes, its size and version. */
export interface ReadLatchHeaderResult {
  readonly header: Header
  /** The object's first bytes (up to 16 KiB: the header, and a small object whole). */
  readonly prefix: Buffer
  /** Stored (ciphertext) size of the object. */
  readonly objectSize: number
  readonly etag: string | undefined
  readonly versionId: string | undefined
  /** Whether the store honoured `Range` (answered with `Content-Range`). */
  readonly rangesHonoured: boolean
}

/**
 * Reads a Latch object's header with one ranged GET of its first 16 KiB (the largest header), which
 * is the whole object when it is small (from a store that ignores `Range`, it reads no further). No
 * key is needed: this tells the policy id, the object id
 * and the key entries; nothing in it is trusted before the key commitment and MAC verify.
 *
 * @throws S3Error; FormatError `ERR_FORMAT_HEADER_INVALID` "not a Latch object".
 */
export async function readLatchHeader(options: {
  readonly client: S3Client
  readonly bucket: string
  readonly key: string
  readonly versionId?: string
  readonly signal?: AbortSignal
}): Promise<ReadLatchHeaderResult> {
  const where = `s3://${options.bucket}/${options.key}`
  let answer: GetObjectCommandOutput
  try {
    answer = await sendS3<GetObjectCommandOutput>(
      options.client,
      new GetObjectCommand({
        Bucket: options.bucket,
        Key: options.key,
        Range: `bytes=0-${MAX_HEADER_SIZE - 1}`,
        VersionId: options.versionId,
      }),
      where,
      options.signal,
    )
  } catch (error) {
    // S3 refuses every range of an empty object: it cannot be a Latch object.
    const name =
      error instanceof S3Error ? (error.cause as { name?: string } | undefined)?.name : undefined
    if (name === 'InvalidRange') throw notLatchObject(where)
    throw error
  }
  const chunks: Uint8Array[] = []
  for await (const chunk of answerRange(answer, 0, MAX_HEADER_SIZE)) chunks.push(chunk)
  const prefix = Buffer.concat(chunks)
  const total = /\/(\d+)$/.exec(answer.ContentRange ?? '')?.[1]
  let header: Header
  try {
    if (readHeaderSize(prefix) > prefix.length) throw notLatchObject(where)
    header = parseHeader(prefix)
  } catch (error) {
    if (error instanceof FormatError && /magic|too short/.test(error.message))
      throw notLatchObject(where)
    throw error
  }
  return {
    header,
    prefix,
    objectSize: total === undefined ? (answer.ContentLength ?? prefix.length) : Number(total),
    etag: answer.ETag,
    versionId: answer.VersionId,
    rangesHonoured: answer.ContentRange !== undefined,
  }
}
