import { addAbortSignal, pipeline, Readable } from 'node:stream'
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3'
import type { LatchClient } from '@latch/client'
import {
  createDecryptTransform,
  decryptRange,
  type ObjectKeys,
  openHeader,
  openSegment,
  type PlaintextRange,
  plaintextSize,
  planRange,
  SEGMENT_SIZE,
} from '@latch/format'
import { answerRange } from './internal/answer-range.js'
import { rangedBody } from './internal/ranged-body.js'
import { parseRange } from './parse-range.js'
import { readLatchHeader } from './read-latch-header.js'
import { sendS3 } from './send-s3.js'

/** Options of {@link getObject}. */
export interface GetObjectOptions {
  readonly client: S3Client
  readonly latch: LatchClient
  readonly bucket: string
  readonly key: string
  /** A plaintext byte range (`{ first, last }`, `{ suffixLength }`, or `"START-END"`). */
  readonly range?: PlaintextRange | string
  /** Read this version (versioned buckets); otherwise the first answer's ETag is pinned. */
  readonly versionId?: string
  /**
   * Download a whole object (no `range`) of at least `minSize` plaintext bytes as ranged GETs of
   * whole segments, several at once, released in order (`true`: the defaults). Off by default: on
   * the 2 shared cores it was measured it was slower than one stream (docs/PERFORMANCE.md).
   */
  readonly parallel?: ParallelGetOptions | boolean
  readonly signal?: AbortSignal
}

/** Tuning of a parallel whole-object download (see {@link GetObjectOptions.parallel}). */
export interface ParallelGetOptions {
  /** Ranged GETs in flight at once; memory is about `concurrency × rangeSize`. Default 4. */
  readonly concurrency?: number
  /** Plaintext bytes per ranged GET, rounded down to whole 64 KiB segments. Default 8 MiB. */
  readonly rangeSize?: number
  /** Smallest plaintext size downloaded in ranges; smaller objects use one stream. Default 64 MiB. */
  readonly minSize?: number
}

const PARALLEL_DEFAULTS = { concurrency: 4, rangeSize: 8 * 1024 * 1024, minSize: 64 * 1024 * 1024 }

/** A decrypting download: the plaintext stream and what is known before it flows. */
export interface DecryptedObject {
  /** Plaintext, each segment released after its tag verified; fails on tampering. */
  readonly body: Readable
  /** Plaintext bytes `body` yields. */
  readonly contentLength: number
  /** Plaintext size of the whole object. */
  readonly size: number
  /** The plaintext bytes answered, `start` inclusive to `end` exclusive (a range request). */
  readonly range: { readonly start: number; readonly end: number } | undefined
  /** The policy id from the object's authenticated header. */
  readonly policyId: string
  readonly etag: string | undefined
  readonly versionId: string | undefined
}

/**
 * Downloads and decrypts an object, or a plaintext range of it. The first request reads the
 * header (and a small object whole); the key comes from the key server; a range fetches only the
 * segments that cover it (after verifying the final segment when the answer depends on the end).
 * Every further request is pinned to the first answer's version or ETag, so a concurrent
 * overwrite fails (`ERR_S3_CHANGED`) instead of mixing two objects.
 *
 * @throws S3Error, FormatError (`ERR_FORMAT_HEADER_INVALID` "not a Latch object",
 *   `ERR_FORMAT_DECRYPT_FAILED`, `ERR_FORMAT_RANGE_INVALID`), KeyServerError (`ERR_ACCESS_DENIED`).
 */
export async function getObject(options: GetObjectOptions): Promise<DecryptedObject> {
  const { client, bucket, key, signal } = options
  const where = `s3://${bucket}/${key}`
  const { header, prefix, objectSize, etag, versionId, rangesHonoured } = await readLatchHeader({
    client,
    bucket,
    key,
    ...(options.versionId === undefined ? {} : { versionId: options.versionId }),
    ...(signal === undefined ? {} : { signal }),
  })
  // Pin every further read to this version: its id when the bucket is versioned, else its ETag.
  const pin = {
    VersionId: options.versionId ?? versionId,
    IfMatch: options.versionId === undefined && versionId === undefined ? etag : undefined,
  }
  const resolve = await options.latch.keyResolver()
  const dek = await resolve(header, signal === undefined ? {} : { signal })
  const keys = openHeader(header, dek)
  const headerSize = header.bytes.length
  const size = plaintextSize(objectSize, headerSize)
  const fetchSpan = async (start: number, end: number, abort: AbortSignal | undefined) => {
    const answer = await sendS3<GetObjectCommandOutput>(
      client,
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        Range: `bytes=${start}-${end - 1}`,
        ...pin,
      }),
      where,
      abort,
    )
    // The SDK's abort covers the request; this ends a body already flowing.
    if (abort !== undefined) addAbortSignal(abort, answer.Body as Readable)
    return answerRange(answer, start, end)
  }
  const read = async (start: number, end: number) =>
    end <= prefix.length ? prefix.subarray(start, end) : fetchSpan(start, end, signal)
  const common = {
    size,
    policyId: header.core.policyId,
    etag,
    versionId,
  }
  if (options.range !== undefined) {
    const range = typeof options.range === 'string' ? parseRange(options.range) : options.range
    const plan = planRange(range, objectSize, headerSize)
    const stream = decryptRange({
      keys,
      headerSize,
      objectSize,
      range,
      read: (span) => read(span.start, span.end) as Promise<Uint8Array | AsyncIterable<Uint8Array>>,
      ...(signal === undefined ? {} : { signal }),
    })
    return {
      ...common,
      body: Readable.fromWeb(stream as import('node:stream/web').ReadableStream<Uint8Array>),
      contentLength: plan.unsatisfiable ? 0 : plan.plaintext.end - plan.plaintext.start,
      range: plan.unsatisfiable ? undefined : plan.plaintext,
    }
  }
  if (objectSize <= prefix.length) {
    dek.fill(0)
    return {
      ...common,
      body: smallBody(keys, prefix.subarray(headerSize, objectSize)),
      contentLength: size,
      range: undefined,
    }
  }
  const parallel =
    options.parallel === undefined || options.parallel === false
      ? undefined
      : { ...PARALLEL_DEFAULTS, ...(options.parallel === true ? {} : options.parallel) }
  if (rangesHonoured && parallel !== undefined && size >= parallel.minSize) {
    dek.fill(0)
    const body = rangedBody({
      keys,
      headerSize,
      objectSize,
      finalIndex: Math.floor(size / SEGMENT_SIZE),
      segmentsPerRange: Math.max(1, Math.floor(parallel.rangeSize / SEGMENT_SIZE)),
      concurrency: Math.max(1, Math.floor(parallel.concurrency)),
      read: async (start, end, abort) => {
        const span = await fetchSpan(start, end, abort)
        return span instanceof Readable ? span : Readable.from(span, { objectMode: false })
      },
      ...(signal === undefined ? {} : { signal }),
    })
    return { ...common, body, contentLength: size, range: undefined }
  }
  const rest = await read(prefix.length, objectSize)
  const body = createDecryptTransform(async () => dek)
  body.write(prefix)
  // pipeline, not pipe: a failed read must fail the plaintext stream, and a destroyed plaintext
  // stream must end the read.
  const source = rest instanceof Readable ? rest : Readable.from(rest, { objectMode: false })
  pipeline(source, body, () => undefined)
  return { ...common, body, contentLength: size, range: undefined }
}

/**
 * The plaintext of an object read whole with its header (at most 16 KiB, so its body is one final
 * segment): opened with the keys the header was authenticated with, when the stream is first
 * read, so that a failed tag fails the stream as it does for a large object and no byte is
 * released before it verified.
 */
function smallBody(keys: ObjectKeys, segment: Uint8Array): Readable {
  return new Readable({
    read() {
      try {
        this.push(openSegment(keys, 0, true, segment))
        this.push(null)
      } catch (error) {
        this.destroy(error as Error)
      }
    },
  })
}
