import { KeyServerClient, LatchClient, nodeHttpTransport } from '@latch/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getObject } from '../src/get-object.js'
import { putObject } from '../src/put-object.js'
import {
  cephEndpoint,
  collect,
  type Endpoint,
  type KeyServerFixture,
  newBucket,
  startKeyServer,
} from './helpers/fixtures.js'

// Issue 16: small objects put at once through one LatchClient share their key-server requests.

let ks: KeyServerFixture
let s3: Endpoint
let bucket: string
beforeAll(async () => {
  ks = await startKeyServer()
  s3 = cephEndpoint()
  bucket = await newBucket(s3.client)
})
afterAll(async () => {
  await s3?.close()
  await ks?.close()
})

describe('16 small objects put at once (Ceph)', () => {
  it('make at most 2 requests to the key server, and each object is under its own policy', async () => {
    const paths: string[] = []
    const latch = new LatchClient(
      new KeyServerClient({
        server: ks.server.url,
        token: ks.tokens.owner,
        transport: (request) => {
          paths.push(`${request.method} ${new URL(request.url).pathname}`)
          return nodeHttpTransport(request)
        },
      }),
    )
    await latch.keyResolver() // the server's keys, fetched once and cached
    paths.length = 0
    const data = (i: number) => Buffer.from(`form ${i}: ${'x'.repeat(1000)}`)
    const puts = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        putObject(bucket, `small/${i}`, data(i), { client: s3.client, latch }),
      ),
    )
    expect(paths.length).toBeGreaterThan(0)
    expect(paths.length).toBeLessThanOrEqual(2)
    expect(new Set(puts.map((p) => p.policyId)).size).toBe(16)
    for (const [i, put] of puts.entries()) {
      const policy = await latch.keyServer.getPolicy(put.policyId)
      expect(policy.objects).toMatchObject([{ bucket, key: `small/${i}` }])
      const got = await getObject({ client: s3.client, latch, bucket, key: `small/${i}` })
      expect((await collect(got.body)).equals(data(i))).toBe(true)
    }
  })
})
