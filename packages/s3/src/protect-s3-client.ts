import { Readable } from 'node:stream'
import type {
  GetObjectCommandInput,
  GetObjectCommandOutput,
  PutObjectCommandInput,
  PutObjectCommandOutput,
  S3Client,
} from '@aws-sdk/client-s3'
import type { LatchClient, PolicyOptions } from '@latch/client'
import {
  ciphertextSize,
  createDecryptTransform,
  createEncryptTransform,
  encryptBuffer,
  HEADER_PREFIX_SIZE,
  plaintextSize,
  readHeaderSize,
} from '@latch/format'
import { sdkStreamMixin } from '@smithy/util-stream'
import { POLICY_METADATA_KEY } from './encrypted-upload.js'
import { S3Error } from './errors.js'
import { notLatchObject } from './not-latch-object.js'

/** Options of {@link protectS3Client}. */
export interface ProtectOptions {
  readonly latch: LatchClient
  /** The policy of each `PutObject` (default: the caller owns it, no readers). */
  readonly policyFor?: (input: PutObjectCommandInput) => PolicyOptions
}

const policyIds = new WeakMap<object, string>()

/** The policy id of an object written through a protected client (from `send`'s output). */
export function policyIdOfPut(output: PutObjectCommandOutput): string | undefined {
  return policyIds.get(output)
}

/**
 * Makes an existing `S3Client` encrypt on `PutObjectCommand` and decrypt on `GetObjectCommand`,
 * with one middleware on its stack (`latchEncryption`, initialize step): application code keeps
 * calling `s3.send(…)`.
 *
 * Covered: `PutObject` with a string, `Uint8Array` or `Buffer` body, or a stream body with
 * `ContentLength` (the plaintext length); `GetObject` of a whole object (`Body` is the plaintext,
 * `ContentLength` its length). Each put first creates the object's policy (see `policyFor`) with
 * the object recorded under it, one key-server request before the write
 * (`LatchClient.createDeferredWriter`); `policyIdOfPut(output)` gives its id.
 * Not covered (they throw `ERR_S3_ARGUMENT_INVALID` rather than store or return ciphertext
 * silently): ranged or part `GetObject` (use `getObject({ range })`), stream bodies of unknown
 * length and multipart commands (use `EncryptedUpload`/`uploadFile`). Other commands (list,
 * head, delete, copy) pass through untouched: `HeadObject` reports the stored (ciphertext) size,
 * and `CopyObject` copies ciphertext, which stays bound to its policy.
 */
export function protectS3Client(client: S3Client, options: ProtectOptions): S3Client {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutObjectCommand') {
        const input = args.input as PutObjectCommandInput
        const { body, length, pending, isNew } = await encryptBody(input, options)
        const location = { bucket: input.Bucket as string, key: input.Key as string }
        // A new policy, with the object registered, before the write (one key-server request): a
        // refusal leaves the object already at this key untouched. A given policy was read first.
        if (isNew) await pending.register(location)
        const result = await next({
          ...args,
          input: {
            ...input,
            Body: body,
            ContentLength: length,
            ContentMD5: undefined,
            Metadata: { ...input.Metadata, [POLICY_METADATA_KEY]: pending.policyId },
          },
        })
        if (!isNew) await pending.register(location)
        policyIds.set(result.output as object, pending.policyId)
        return result
      }
      if (context.commandName === 'GetObjectCommand') {
        const input = args.input as GetObjectCommandInput
        if (input.Range !== undefined || input.PartNumber !== undefined) {
          throw new S3Error(
            'ERR_S3_ARGUMENT_INVALID',
            'a protected S3Client decrypts whole objects only; use getObject({ range }) for ranges',
          )
        }
        const result = await next(args)
        const output = result.output as GetObjectCommandOutput
        await decryptBody(output, options.latch, `s3://${input.Bucket}/${input.Key}`)
        return result
      }
      return next(args)
    },
    { step: 'initialize', name: 'latchEncryption', override: true },
  )
  return client
}

async function encryptBody(input: PutObjectCommandInput, options: ProtectOptions) {
  const body = input.Body
  const bytes =
    typeof body === 'string' ? Buffer.from(body) : body instanceof Uint8Array ? body : undefined
  if (
    bytes === undefined &&
    (input.ContentLength === undefined ||
      !(body instanceof Readable || body instanceof ReadableStream))
  ) {
    throw new S3Error(
      'ERR_S3_ARGUMENT_INVALID',
      'a protected PutObject needs a string, bytes, or a stream with ContentLength; use uploadFile or EncryptedUpload otherwise',
    )
  }
  const policy = options.policyFor?.(input) ?? {}
  const isNew = policy.policyId === undefined
  const pending = await options.latch.createDeferredWriter(policy)
  if (bytes !== undefined) {
    const object = encryptBuffer(pending.writer, bytes)
    return { body: object, length: object.length, pending, isNew }
  }
  const source =
    body instanceof Readable
      ? body
      : Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>)
  return {
    body: source.pipe(createEncryptTransform(pending.writer)),
    length: ciphertextSize(input.ContentLength as number, pending.writer.header.length),
    pending,
    isNew,
  }
}

async function decryptBody(
  output: GetObjectCommandOutput,
  latch: LatchClient,
  where: string,
): Promise<void> {
  const source = output.Body as unknown as AsyncIterable<Uint8Array>
  const iterator = source[Symbol.asyncIterator]()
  const head: Uint8Array[] = []
  let have = 0
  while (have < HEADER_PREFIX_SIZE) {
    const item = await iterator.next()
    if (item.done === true) break
    head.push(item.value)
    have += item.value.length
  }
  let headerSize: number
  try {
    headerSize = readHeaderSize(Buffer.concat(head))
  } catch {
    throw notLatchObject(where)
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    yield* head
    for (let item = await iterator.next(); item.done !== true; item = await iterator.next())
      yield item.value
  }
  const resolver = await latch.keyResolver()
  const plain = Readable.from(all(), { objectMode: false }).pipe(createDecryptTransform(resolver))
  output.Body = sdkStreamMixin(plain)
  if (output.ContentLength !== undefined)
    output.ContentLength = plaintextSize(output.ContentLength, headerSize)
}
