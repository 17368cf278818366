import type { Readable } from 'node:stream'
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { ENCRYPTED_SEGMENT_SIZE, type FormatError, SEGMENT_SIZE } from '@latch/format'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createS3Client } from '../src/create-s3-client.js'
import { getObject } from '../src/get-object.js'
import { putObject } from '../src/put-object.js'
import {
  collect,
  type Endpoint,
  type KeyServerFixture,
  newBucket,
  pattern,
  s3rverEndpoint,
  startKeyServer,
} from './helpers/fixtures.js'

// Issue 16: a whole-object download as parallel ranged GETs of whole segments, released in order.
// Ranges of two segments make a few hundred KiB show every boundary that 8 MiB ranges would.

const S = SEGMENT_SIZE
const E = ENCRYPTED_SEGMENT_SIZE
const RANGED = { parallel: { rangeSize: 2 * S, concurrency: 3, minSize: 0 } } as const

let s3: Endpoint
let ks: KeyServerFixture
let bucket: string
const clients: S3Client[] = []

/** A client that counts its GetObject calls and keeps every answer's body stream. */
function countingClient(): { client: S3Client; gets: () => number; bodies: Readable[] } {
  const client = createS3Client({}, s3.env)
  clients.push(client)
  let gets = 0
  const bodies: Readable[] = []
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'GetObjectCommand') return next(args)
      gets++
      const result = await next(args)
      bodies.push((result.output as { Body: Readable }).Body)
      return result
    },
    { step: 'initialize', name: 'countGets' },
  )
  return { client, gets: () => gets, bodies }
}

async function stored(key: string): Promise<Buffer> {
  const raw = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  return Buffer.from(
    await (raw.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  )
}

/** Reads a body to its end or its first error: what it released, and the error. */
async function drain(body: Readable): Promise<{ released: Buffer; error: unknown }> {
  const chunks: Uint8Array[] = []
  try {
    for await (const chunk of body) chunks.push(chunk)
    return { released: Buffer.concat(chunks), error: undefined }
  } catch (error) {
    return { released: Buffer.concat(chunks), error }
  }
}

beforeAll(async () => {
  ;[s3, ks] = await Promise.all([s3rverEndpoint(), startKeyServer()])
  bucket = await newBucket(s3.client)
})

afterAll(async () => {
  for (const client of [...clients, s3.client]) client.destroy()
  await Promise.all([s3.close(), ks.close()])
})

describe('whole-object downloads in parallel ranges (issue 16)', () => {
  it('gives the same bytes as one stream at every range and final-segment boundary', async () => {
    const owner = ks.latch('owner')
    const sizes = [0, 1, S - 1, S, 2 * S - 1, 2 * S, 2 * S + 1, 4 * S, 5 * S + 12_345]
    for (const size of sizes) {
      const data = pattern(size)
      await putObject(bucket, `size-${size}`, data, { client: s3.client, latch: owner })
      const { client, gets } = countingClient()
      const got = await getObject({ client, latch: owner, bucket, key: `size-${size}`, ...RANGED })
      expect(got.contentLength).toBe(size)
      expect((await collect(got.body)).equals(data), `size ${size}`).toBe(true)
      // The header read, then one GET per two segments (the final segment may be empty); an
      // object the header read holds whole (16 KiB) needs no other.
      const segments = Math.floor(size / S) + 1
      const whole = (await stored(`size-${size}`)).length <= 16_384
      expect(gets(), `size ${size}`).toBe(whole ? 1 : 1 + Math.ceil(segments / 2))
    }
  })

  it('fails on a segment tampered with in a middle range and releases nothing after it', async () => {
    const owner = ks.latch('owner')
    const data = pattern(12 * S + 7)
    await putObject(bucket, 'tampered', data, { client: s3.client, latch: owner })
    const bytes = await stored('tampered')
    const headerSize = bytes.length - (data.length + 13 * 16)
    // Segment 6 opens the fourth of seven ranges.
    const at = headerSize + 6 * E + 1000
    bytes[at] = (bytes[at] as number) ^ 1
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'tampered', Body: bytes }))
    const got = await getObject({
      client: s3.client,
      latch: owner,
      bucket,
      key: 'tampered',
      ...RANGED,
    })
    const { released, error } = await drain(got.body)
    expect((error as FormatError).code).toBe('ERR_FORMAT_DECRYPT_FAILED')
    expect(released.length).toBeLessThanOrEqual(6 * S)
    expect(released.equals(data.subarray(0, released.length))).toBe(true)
  })

  it('fails on a truncated object as the one-stream download does', async () => {
    const owner = ks.latch('owner')
    const data = pattern(6 * S + 100)
    await putObject(bucket, 'truncated', data, { client: s3.client, latch: owner })
    const bytes = await stored('truncated')
    // Cut after segment 4: a valid-looking size whose final segment was not written as final.
    const headerSize = bytes.length - (data.length + 7 * 16)
    const cut = bytes.subarray(0, headerSize + 5 * E - 1000)
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'truncated', Body: cut }))
    const codes: unknown[] = []
    for (const parallel of [RANGED.parallel, false] as const) {
      const got = await getObject({
        client: s3.client,
        latch: owner,
        bucket,
        key: 'truncated',
        parallel,
      })
      const { released, error } = await drain(got.body)
      codes.push((error as FormatError).code)
      expect(released.length).toBeLessThanOrEqual(4 * S)
    }
    expect(codes).toEqual(['ERR_FORMAT_DECRYPT_FAILED', 'ERR_FORMAT_DECRYPT_FAILED'])
  })

  it('stops every range request when the body is destroyed or the signal aborts (and one stream when destroyed)', async () => {
    const owner = ks.latch('owner')
    const data = pattern(40 * S)
    await putObject(bucket, 'cancelled', data, { client: s3.client, latch: owner })
    const ranged = { rangeSize: S, concurrency: 4, minSize: 0 }
    for (const [how, parallel] of [
      ['destroy', ranged],
      ['abort', ranged],
      ['destroy', false],
    ] as const) {
      const { client, gets, bodies } = countingClient()
      const abort = new AbortController()
      const got = await getObject({
        client,
        latch: owner,
        bucket,
        key: 'cancelled',
        parallel,
        signal: abort.signal,
      })
      const errors: Error[] = []
      got.body.on('error', (error) => errors.push(error))
      const first = await new Promise<Buffer>((resolve) => got.body.once('data', resolve))
      expect(first.length).toBeGreaterThan(0)
      if (how === 'destroy') got.body.destroy()
      else abort.abort()
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(errors.map((error) => error.name)).toEqual(how === 'abort' ? ['AbortError'] : [])
      const started = gets()
      expect(started).toBeLessThanOrEqual(1 + 4 + 1)
      expect(bodies.every((body) => body.destroyed)).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(gets()).toBe(started)
    }
  })
})
