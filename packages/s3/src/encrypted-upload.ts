import { EventEmitter } from 'node:events'
import { Readable } from 'node:stream'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompleteMultipartUploadCommandOutput,
  CreateMultipartUploadCommand,
  type CreateMultipartUploadCommandOutput,
  DeleteObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectCommand,
  type PutObjectCommandOutput,
  type S3Client,
  UploadPartCommand,
  type UploadPartCommandOutput,
} from '@aws-sdk/client-s3'
import type { DeferredWriter, LatchClient, PolicyOptions } from '@latch/client'
import { type ObjectWriter, SEGMENT_SIZE } from '@latch/format'
import { S3Error } from './errors.js'
import { BufferPool } from './internal/buffer-pool.js'
import { encryptPart, maxEncryptedPartSize } from './internal/encrypt-part.js'
import { type PlaintextPart, readParts } from './internal/read-parts.js'
import { sendS3 } from './send-s3.js'

/** The metadata key that carries the policy id as a hint (never trusted: the header is). */
export const POLICY_METADATA_KEY = 'latch-policy'

/** What can be uploaded: bytes, a Node readable, a Web stream, or any async iterable of bytes. */
export type UploadBody =
  | Uint8Array
  | string
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>

/** Options of {@link EncryptedUpload}. */
export interface EncryptedUploadOptions extends PolicyOptions {
  readonly client: S3Client
  readonly latch: LatchClient
  readonly bucket: string
  readonly key: string
  readonly body: UploadBody
  /** Plaintext bytes when known (for progress). */
  readonly size?: number
  /** Plaintext bytes per S3 part: a multiple of 64 KiB, at least 5 MiB. Default 8 MiB. */
  readonly partSize?: number
  /** Parts encrypted and uploaded at once. Default 4. */
  readonly queueSize?: number
  readonly contentType?: string
  readonly metadata?: Readonly<Record<string, string>>
  readonly signal?: AbortSignal
}

/** Progress of an upload, after each part: plaintext bytes sent so far. */
export interface UploadProgress {
  readonly loaded: number
  readonly total: number | undefined
  readonly part: number
  readonly bucket: string
  readonly key: string
}

/** A finished upload. */
export interface UploadResult {
  /** The policy id to keep in the application's database. */
  readonly policyId: string
  readonly bucket: string
  readonly key: string
  readonly etag: string | undefined
  readonly versionId: string | undefined
  /** Plaintext and stored (ciphertext) sizes. */
  readonly size: number
  readonly storedSize: number
  readonly parts: number
}

const MIB = 1024 * 1024
const MIN_PART = 5 * MIB

/**
 * Encrypts and uploads one object of any size in bounded memory, in the manner of lib-storage's
 * `Upload`: the plaintext is cut into parts, each part's segments are encrypted (parts in
 * parallel, in any order) and sent as one S3 part; an object that fits in one part is one
 * `PutObject`. Part buffers are pooled and reused: about `queueSize` ciphertext parts in flight
 * plus three plaintext parts (one being read, one held back to find the last, one being
 * encrypted), 56 MiB of buffers by default; a small object uses buffers of its own size.
 *
 * Nothing is left behind on failure: after every part settled, the multipart upload is aborted
 * (no pending upload, no object). A new policy is created with the object registered before
 * the first byte goes to S3 (one key-server request per upload; the header carries an id only
 * this upload can claim), so a refused request leaves S3, and any object already at the key,
 * untouched; an upload that fails after it leaves that new policy listing an object never
 * stored, which governs nothing. Under a given `policyId` the policy is read first and the
 * object registered once stored; an object whose registration fails is deleted.
 *
 * Emits `progress` ({@link UploadProgress}) after each part. `done()` may be called once.
 */
export class EncryptedUpload extends EventEmitter<{ progress: [UploadProgress] }> {
  readonly #options: EncryptedUploadOptions
  readonly #partSize: number
  readonly #queueSize: number
  #started = false

  constructor(options: EncryptedUploadOptions) {
    super()
    const partSize = options.partSize ?? 8 * MIB
    if (partSize % SEGMENT_SIZE !== 0 || partSize < MIN_PART) {
      throw new S3Error(
        'ERR_S3_ARGUMENT_INVALID',
        'partSize must be a multiple of 65,536 and at least 5 MiB',
      )
    }
    const queueSize = options.queueSize ?? 4
    if (!Number.isInteger(queueSize) || queueSize < 1) {
      throw new S3Error('ERR_S3_ARGUMENT_INVALID', 'queueSize must be a positive integer')
    }
    this.#options = options
    this.#partSize = partSize
    this.#queueSize = queueSize
  }

  /**
   * Runs the upload.
   * @throws S3Error (`ERR_S3_*`), KeyServerError/ClientError from the key server, AbortError.
   */
  async done(): Promise<UploadResult> {
    if (this.#started) throw new S3Error('ERR_S3_ARGUMENT_INVALID', 'done() was already called')
    this.#started = true
    const o = this.#options
    o.signal?.throwIfAborted()
    const pending = await o.latch.createDeferredWriter(o)
    const { writer, policyId } = pending
    // A new policy is created with the object registered before the write, in one round trip: a
    // refusal (a bad token, an owner one may not name) must leave S3 untouched, or the object
    // already at this key would be overwritten and then lost. A given policy was read by
    // createDeferredWriter; its object is registered once stored.
    const isNew = o.policyId === undefined
    if (isNew) await pending.register({ bucket: o.bucket, key: o.key }, { signal: o.signal })
    // Bytes that fit one part go straight to one PutObject: no pools, no stream, no copy.
    const bytes = typeof o.body === 'string' ? Buffer.from(o.body) : o.body
    if (bytes instanceof Uint8Array && bytes.length <= this.#partSize) {
      const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
      const part = { index: 0, data, last: true, buffer: data }
      const result = await this.#putSingle(writer, part, policyId)
      if (!isNew) await this.#register(pending)
      return result
    }
    const plain = new BufferPool(this.#partSize, this.#queueSize + 2)
    const sealed = new BufferPool(maxEncryptedPartSize(this.#partSize), this.#queueSize)
    const parts = readParts(toIterable(bytes), this.#partSize, () => plain.take())
    const first = await parts.next()
    const firstPart = first.value as PlaintextPart
    const result = firstPart.last
      ? await this.#putSingle(writer, firstPart, policyId)
      : await this.#putMultipart(writer, firstPart, parts, policyId, { plain, sealed })
    if (!isNew) await this.#register(pending)
    return result
  }

  async #putSingle(
    writer: ObjectWriter,
    part: PlaintextPart,
    policyId: string,
  ): Promise<UploadResult> {
    const o = this.#options
    const body = encryptPart(writer, part, this.#partSize)
    const output = await this.#send<PutObjectCommandOutput>(
      new PutObjectCommand({
        Bucket: o.bucket,
        Key: o.key,
        Body: body,
        ContentLength: body.length,
        ...this.#objectFields(policyId),
      }),
    )
    this.#progress(part.data.length, 1)
    return {
      policyId,
      bucket: o.bucket,
      key: o.key,
      etag: output.ETag,
      versionId: output.VersionId,
      size: part.data.length,
      storedSize: body.length,
      parts: 1,
    }
  }

  async #putMultipart(
    writer: ObjectWriter,
    first: PlaintextPart,
    rest: AsyncGenerator<PlaintextPart>,
    policyId: string,
    pools: { plain: BufferPool; sealed: BufferPool },
  ): Promise<UploadResult> {
    const o = this.#options
    const created = await this.#send<CreateMultipartUploadCommandOutput>(
      new CreateMultipartUploadCommand({
        Bucket: o.bucket,
        Key: o.key,
        ...this.#objectFields(policyId),
      }),
    )
    const uploadId = created.UploadId as string
    const done: { PartNumber: number; ETag: string }[] = []
    let loaded = 0
    let stored = 0
    let failure: unknown
    let pendingFirst: PlaintextPart | undefined = first
    const next = async (): Promise<PlaintextPart | undefined> => {
      if (pendingFirst !== undefined) {
        const part = pendingFirst
        pendingFirst = undefined
        return part
      }
      const item = await rest.next()
      return item.done === true ? undefined : item.value
    }
    const worker = async () => {
      for (;;) {
        if (failure !== undefined) return
        const part = await next()
        if (part === undefined) return
        // Another part failed while this one was read: the upload is being aborted, send no more.
        if (failure !== undefined) {
          pools.plain.give(part.buffer)
          return
        }
        const out = pools.sealed.take()
        const body = encryptPart(writer, part, this.#partSize, out)
        pools.plain.give(part.buffer)
        const answer = await this.#send<UploadPartCommandOutput>(
          new UploadPartCommand({
            Bucket: o.bucket,
            Key: o.key,
            UploadId: uploadId,
            PartNumber: part.index + 1,
            Body: body,
            ContentLength: body.length,
          }),
        )
        pools.sealed.give(out)
        done.push({ PartNumber: part.index + 1, ETag: answer.ETag as string })
        loaded += part.data.length
        stored += body.length
        this.#progress(loaded, done.length)
      }
    }
    // Every worker settles before the abort, so no part lands after it and is left orphaned.
    const settled = await Promise.allSettled(
      Array.from({ length: this.#queueSize }, () =>
        worker().catch((error: unknown) => {
          failure ??= error
          throw error
        }),
      ),
    )
    if (failure === undefined && settled.some((s) => s.status === 'rejected'))
      failure = new Error('upload failed')
    if (failure !== undefined) {
      await rest.return(undefined).catch(() => undefined)
      await this.#abort(uploadId)
      throw failure
    }
    done.sort((a, b) => a.PartNumber - b.PartNumber)
    let output: CompleteMultipartUploadCommandOutput
    try {
      output = await this.#send<CompleteMultipartUploadCommandOutput>(
        new CompleteMultipartUploadCommand({
          Bucket: o.bucket,
          Key: o.key,
          UploadId: uploadId,
          MultipartUpload: { Parts: done },
        }),
      )
    } catch (error) {
      await this.#abort(uploadId)
      throw error
    }
    let etag = output.ETag
    let versionId = output.VersionId
    // Ceph 16.2 answers CompleteMultipartUpload with an empty ETag.
    if (etag === undefined || etag === '' || etag === '""') {
      const head = await this.#send<HeadObjectCommandOutput>(
        new HeadObjectCommand({ Bucket: o.bucket, Key: o.key }),
      )
      etag = head.ETag
      versionId ??= head.VersionId
    }
    return {
      policyId,
      bucket: o.bucket,
      key: o.key,
      etag,
      versionId,
      size: loaded,
      storedSize: stored,
      parts: done.length,
    }
  }

  async #register(pending: DeferredWriter): Promise<void> {
    const o = this.#options
    try {
      await pending.register({ bucket: o.bucket, key: o.key })
    } catch (error) {
      // An object its policy does not list would escape lockdowns by bucket and prefix: remove it.
      await o.client
        .send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key }))
        .catch(() => undefined)
      throw error
    }
  }

  async #abort(uploadId: string): Promise<void> {
    const o = this.#options
    await o.client
      .send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: o.key, UploadId: uploadId }))
      .catch(() => undefined)
  }

  #objectFields(policyId: string) {
    const o = this.#options
    return {
      ContentType: o.contentType ?? 'application/octet-stream',
      Metadata: { ...o.metadata, [POLICY_METADATA_KEY]: policyId },
    }
  }

  #send<Output>(command: object): Promise<Output> {
    const o = this.#options
    return sendS3<Output>(o.client, command, `s3://${o.bucket}/${o.key}`, o.signal)
  }

  #progress(loaded: number, part: number): void {
    const o = this.#options
    this.emit('progress', { loaded, total: o.size, part, bucket: o.bucket, key: o.key })
  }
}

function toIterable(body: UploadBody): AsyncIterable<Uint8Array> {
  if (typeof body === 'string') return Readable.from([Buffer.from(body)])
  if (body instanceof Uint8Array) return Readable.from([body])
  if (body instanceof ReadableStream)
    return Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>)
  return body
}
