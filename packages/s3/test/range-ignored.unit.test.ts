import type { S3Client } from '@aws-sdk/client-s3'
import { MAX_HEADER_SIZE } from '@latch/format'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createS3Client } from '../src/create-s3-client.js'
import { EncryptedUpload } from '../src/encrypted-upload.js'
import { getObject } from '../src/get-object.js'
import { readLatchHeader } from '../src/read-latch-header.js'
import {
  collect,
  type Endpoint,
  type KeyServerFixture,
  newBucket,
  pattern,
  s3rverEndpoint,
  startKeyServer,
} from './helpers/fixtures.js'

// A store that ignores `Range` (some S3-compatible servers, proxies and caches do) answers 200
// with the whole object. The client under test removes the header before signing, so s3rver
// answers just that way; downloads must still give the right bytes and stop reading early.

const SIZE = 3 * 1024 * 1024 + 12_345

let s3: Endpoint
let ks: KeyServerFixture
let bucket: string
const clients: S3Client[] = []

/** A client whose GETs reach the store without their Range header; it counts the ones it cut. */
function rangeIgnoringClient(): { client: S3Client; cut: () => number } {
  const client = createS3Client({}, s3.env)
  clients.push(client)
  let cut = 0
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers
      if (headers.range !== undefined) {
        delete headers.range
        cut++
      }
      return next(args)
    },
    { step: 'build', name: 'dropRange' },
  )
  return { client, cut: () => cut }
}

beforeAll(async () => {
  ;[s3, ks] = await Promise.all([s3rverEndpoint(), startKeyServer()])
  bucket = await newBucket(s3.client)
  await new EncryptedUpload({
    client: s3.client,
    latch: ks.latch('owner'),
    bucket,
    key: 'big',
    body: pattern(SIZE),
    readers: ['reader@example.com'],
  }).done()
})

afterAll(async () => {
  for (const client of [...clients, s3.client]) client.destroy()
  await Promise.all([s3.close(), ks.close()])
})

describe('downloads from a store that ignores Range', () => {
  it('reads a header without downloading the whole object', async () => {
    const { client, cut } = rangeIgnoringClient()
    const { prefix, objectSize, header } = await readLatchHeader({ client, bucket, key: 'big' })
    expect(cut()).toBe(1)
    expect(prefix.length).toBe(MAX_HEADER_SIZE)
    expect(objectSize).toBeGreaterThan(SIZE)
    expect(prefix.subarray(0, header.bytes.length)).toEqual(header.bytes)
  })

  it('decrypts the whole object', async () => {
    const { client, cut } = rangeIgnoringClient()
    const got = await getObject({ client, latch: ks.latch('reader'), bucket, key: 'big' })
    expect(await collect(got.body)).toEqual(pattern(SIZE))
    expect(cut()).toBe(2)
  })

  it('decrypts a range in the middle: the right bytes, not the object from its start', async () => {
    const { client, cut } = rangeIgnoringClient()
    const got = await getObject({
      client,
      latch: ks.latch('reader'),
      bucket,
      key: 'big',
      range: '1000000-1200000',
    })
    expect(await collect(got.body)).toEqual(pattern(SIZE).subarray(1_000_000, 1_200_001))
    expect(cut()).toBe(2)
  })
})
