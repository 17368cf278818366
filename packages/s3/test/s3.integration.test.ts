import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3'
import { type ClientError, type KeyServerError, LatchClient } from '@latch/client'
import type { FormatError } from '@latch/format'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createS3Client } from '../src/create-s3-client.js'
import { downloadFile } from '../src/download-file.js'
import { EncryptedUpload } from '../src/encrypted-upload.js'
import type { S3Error } from '../src/errors.js'
import { getObject } from '../src/get-object.js'
import { policyIdOfPut, protectS3Client } from '../src/protect-s3-client.js'
import { putObject } from '../src/put-object.js'
import { uploadFile } from '../src/upload-file.js'
import {
  cephEndpoint,
  collect,
  type Endpoint,
  type KeyServerFixture,
  newBucket,
  pattern,
  s3rverEndpoint,
  startKeyServer,
} from './helpers/fixtures.js'

const MIB = 1024 * 1024
const S = 65_536
const PART = 5 * MIB

let ks: KeyServerFixture
beforeAll(async () => {
  ks = await startKeyServer()
})
afterAll(async () => {
  await ks.close()
})

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Error)
  return error as Error
}

describe.each([
  ['ceph', async () => cephEndpoint()],
  ['s3rver', s3rverEndpoint],
] as const)('against %s', (_name, open) => {
  let s3: Endpoint
  let bucket: string
  let owner: LatchClient
  beforeAll(async () => {
    s3 = await open()
    bucket = await newBucket(s3.client)
    owner = ks.latch('owner')
  })
  afterAll(async () => {
    await s3.close()
  })

  it.each([0, 1, S - 1, S, S + 1, PART - 1, PART, PART + 1, 2 * PART + S])(
    'round-trips %i bytes, stored as ciphertext, recorded under its policy',
    async (size) => {
      const data = pattern(size)
      const key = `sizes/${size}`
      const put = await putObject(bucket, key, data, {
        client: s3.client,
        latch: owner,
        partSize: PART,
      })
      expect(put.parts).toBe(Math.max(1, Math.ceil(size / PART)))
      const got = await getObject({ client: s3.client, latch: owner, bucket, key })
      expect(got.contentLength).toBe(size)
      expect(got.policyId).toBe(put.policyId)
      expect((await collect(got.body)).equals(data)).toBe(true)
      const raw = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      const stored = Buffer.from(
        await (raw.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      )
      expect(stored.length).toBe(put.storedSize)
      expect(stored.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x4c, 0x54, 0x43]))
      if (size >= 64) expect(stored.includes(data.subarray(0, 64))).toBe(false)
      expect(raw.Metadata?.['latch-policy']).toBe(put.policyId)
      const policy = await owner.keyServer.getPolicy(put.policyId)
      expect(policy.objects).toMatchObject([{ bucket, key }])
    },
  )

  it('streams 100 MiB up and down in parts, byte for byte', async () => {
    const size = 100 * MIB
    const source = Readable.from(
      (async function* () {
        const block = pattern(MIB)
        for (let i = 0; i < 100; i++) yield block
      })(),
    )
    const put = await putObject(bucket, 'big', source, { client: s3.client, latch: owner, size })
    expect(put).toMatchObject({ size, parts: Math.ceil(size / (8 * MIB)) })
    const got = await getObject({ client: s3.client, latch: owner, bucket, key: 'big' })
    const expected = createHash('sha256')
    const block = pattern(MIB)
    for (let i = 0; i < 100; i++) expected.update(block)
    const actual = createHash('sha256')
    let length = 0
    for await (const chunk of got.body) {
      actual.update(chunk)
      length += chunk.length
    }
    expect(length).toBe(size)
    expect(actual.digest('hex')).toBe(expected.digest('hex'))
  })

  it('reads plaintext ranges at segment and part boundaries, the last byte and a suffix', async () => {
    const size = 2 * PART + 3 * S + 17
    const data = pattern(size)
    await putObject(bucket, 'ranges', data, { client: s3.client, latch: owner, partSize: PART })
    const ranges: [string, number, number][] = [
      ['0-0', 0, 1],
      [`${S - 1}-${S}`, S - 1, S + 1],
      [`${S}-${2 * S - 1}`, S, 2 * S],
      [`${PART - 1}-${PART + 1}`, PART - 1, PART + 2],
      [`${2 * PART - 10}-${2 * PART + 10}`, 2 * PART - 10, 2 * PART + 11],
      [`${size - 1}-${size - 1}`, size - 1, size],
      [`${size - 5}-`, size - 5, size],
      ['-100', size - 100, size],
      [`${size - 3}-${size + 1000}`, size - 3, size],
    ]
    for (const [range, start, end] of ranges) {
      const got = await getObject({ client: s3.client, latch: owner, bucket, key: 'ranges', range })
      expect(got.range, range).toEqual({ start, end })
      expect((await collect(got.body)).equals(data.subarray(start, end)), range).toBe(true)
    }
    const past = await getObject({
      client: s3.client,
      latch: owner,
      bucket,
      key: 'ranges',
      range: `${size}-`,
    })
    expect(((await failure(collect(past.body))) as FormatError).code).toBe(
      'ERR_FORMAT_RANGE_INVALID',
    )
  })

  it('pins ranged reads to the version it started with: an overwrite in between fails, nothing mixed', async () => {
    const data = pattern(40 * S)
    await putObject(bucket, 'pinned', data, { client: s3.client, latch: owner })
    const got = await getObject({
      client: s3.client,
      latch: owner,
      bucket,
      key: 'pinned',
      range: `${30 * S}-${31 * S}`,
    })
    await putObject(bucket, 'pinned', pattern(41 * S), { client: s3.client, latch: owner })
    const error = await failure(collect(got.body))
    if (s3.name === 'ceph') expect((error as S3Error).code).toBe('ERR_S3_CHANGED')
    // s3rver ignores If-Match; the old object's keys then fail on the new object's segments.
    else
      expect((error as FormatError).code).toMatch(
        /ERR_S3_CHANGED|ERR_FORMAT_DECRYPT_FAILED|ERR_FORMAT_LENGTH_INVALID/,
      )
  })

  it('uploads and downloads files with progress, a reader can read, an outsider cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latch-files-'))
    const input = join(dir, 'in.bin')
    const data = pattern(PART + 123_457)
    writeFileSync(input, data)
    const progress: number[] = []
    const result = await uploadFile(input, bucket, 'files/in.bin', {
      client: s3.client,
      latch: owner,
      readers: ['reader@example.com'],
      partSize: PART,
      onProgress: (p) => progress.push(p.loaded),
    })
    expect(progress.at(-1)).toBe(data.length)
    await downloadFile(bucket, 'files/in.bin', join(dir, 'reader.bin'), {
      client: s3.client,
      latch: ks.latch('reader'),
    })
    expect((await readFile(join(dir, 'reader.bin'))).equals(data)).toBe(true)
    const denied = await failure(
      downloadFile(bucket, 'files/in.bin', join(dir, 'outsider.bin'), {
        client: s3.client,
        latch: ks.latch('outsider'),
      }),
    )
    expect((denied as KeyServerError).code).toBe('ERR_ACCESS_DENIED')
    await expect(readFile(join(dir, 'outsider.bin'))).rejects.toThrow()
    expect(result.policyId).toMatch(/^p-/)
    await rm(dir, { recursive: true, force: true })
  })

  it('leaves no object, no pending upload and no claim in the policy when an upload fails midway', async () => {
    let sent = 0
    const body = Readable.from(
      (async function* () {
        for (;;) {
          sent += MIB
          if (sent > 2 * PART + MIB) throw new Error('disk read error')
          yield pattern(MIB)
        }
      })(),
    )
    const upload = new EncryptedUpload({
      client: s3.client,
      latch: owner,
      bucket,
      key: 'broken',
      body,
      partSize: PART,
      queueSize: 2,
    })
    let policyId: string | undefined
    const error = await failure(upload.done())
    expect(error.message).toContain('disk read error')
    const head = await failure(
      s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'broken' })),
    )
    expect(head.name).toBe('NotFound')
    if (s3.listsUploads) {
      const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))
      expect(uploads.Uploads ?? []).toEqual([])
    }
    expect(policyId).toBeUndefined()
  })

  it('refuses an object modified in S3 (65) and a plain object Latch did not write, with a clear message', async () => {
    const data = pattern(3 * S)
    await putObject(bucket, 'victim', data, { client: s3.client, latch: owner })
    const raw = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'victim' }))
    const stored = Buffer.from(
      await (raw.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    )
    stored[stored.length - 100] = (stored[stored.length - 100] as number) ^ 1
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'victim', Body: stored }))
    const got = await getObject({ client: s3.client, latch: owner, bucket, key: 'victim' })
    const chunks: Buffer[] = []
    const error = await failure(
      (async () => {
        for await (const chunk of got.body) chunks.push(chunk)
      })(),
    )
    expect((error as FormatError).code).toBe('ERR_FORMAT_DECRYPT_FAILED')
    expect(Buffer.concat(chunks).length).toBeLessThanOrEqual(2 * S)
    await s3.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'plain.txt', Body: 'hello, not encrypted' }),
    )
    const plain = await failure(
      getObject({ client: s3.client, latch: owner, bucket, key: 'plain.txt' }),
    )
    expect((plain as FormatError).code).toBe('ERR_FORMAT_HEADER_INVALID')
    expect(plain.message).toContain('is not a Latch object')
    if (s3.name === 'ceph') {
      // s3rver resets the connection on a ranged GET of an empty object (the SDK then retries
      // for seconds); Ceph answers 416 as S3 does.
      await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'empty', Body: '' }))
      expect(
        (
          (await failure(
            getObject({ client: s3.client, latch: owner, bucket, key: 'empty' }),
          )) as FormatError
        ).code,
      ).toBe('ERR_FORMAT_HEADER_INVALID')
    }
    const missing = await failure(
      getObject({ client: s3.client, latch: owner, bucket, key: 'nope' }),
    )
    expect((missing as S3Error).code).toBe('ERR_S3_NOT_FOUND')
  })

  it('encrypts and decrypts transparently through a protected S3Client', async () => {
    const client = protectS3Client(createS3Client({}, s3.env), {
      latch: owner,
      policyFor: () => ({ readers: ['reader@example.com'] }),
    })
    const put = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'transparent', Body: 'hello through the SDK' }),
    )
    const policyId = policyIdOfPut(put)
    expect(policyId).toMatch(/^p-/)
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'transparent' }))
    expect(await got.Body?.transformToString()).toBe('hello through the SDK')
    expect(got.ContentLength).toBe('hello through the SDK'.length)
    const data = pattern(3 * S + 5)
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'transparent-stream',
        Body: Readable.from([data]),
        ContentLength: data.length,
      }),
    )
    const back = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'transparent-stream' }),
    )
    expect(
      Buffer.from(
        await (back.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ).equals(data),
    ).toBe(true)
    const raw = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'transparent' }))
    expect(await raw.Body?.transformToString('latin1')).not.toContain('hello')
    const ranged = await failure(
      client.send(new GetObjectCommand({ Bucket: bucket, Key: 'transparent', Range: 'bytes=0-1' })),
    )
    expect((ranged as S3Error).code).toBe('ERR_S3_ARGUMENT_INVALID')
  })

  it('reports an unreachable S3, an unreachable key server and a wrong token with their codes', async () => {
    const dead = createS3Client({}, { ...s3.env, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' })
    const down = await failure(putObject(bucket, 'x', 'x', { client: dead, latch: owner }))
    expect((down as S3Error).code).toBe('ERR_S3_UNAVAILABLE')
    const noServer = new LatchClient({ server: 'http://127.0.0.1:9', token: ks.tokens.owner })
    expect(
      (
        (await failure(
          putObject(bucket, 'x', 'x', { client: s3.client, latch: noServer }),
        )) as ClientError
      ).code,
    ).toBe('ERR_CLIENT_UNAVAILABLE')
    const wrong = new LatchClient({ server: ks.server.url, token: `${ks.tokens.owner}x` })
    expect(
      (
        (await failure(
          putObject(bucket, 'x', 'x', { client: s3.client, latch: wrong }),
        )) as KeyServerError
      ).code,
    ).toBe('ERR_AUTH_INVALID')
    await putObject(bucket, 'kept', 'kept', { client: s3.client, latch: owner })
    expect(
      (
        (await failure(
          getObject({ client: s3.client, latch: noServer, bucket, key: 'kept' }),
        )) as ClientError
      ).code,
    ).toBe('ERR_CLIENT_UNAVAILABLE')
  })
})
