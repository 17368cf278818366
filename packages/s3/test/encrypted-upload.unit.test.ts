import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { KeyServerError, LatchClient, nodeHttpTransport } from '@latch/client'
import { ciphertextSize, ENCRYPTED_SEGMENT_SIZE, SEGMENT_SIZE as S, TAG_SIZE } from '@latch/format'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createS3Client } from '../src/create-s3-client.js'
import {
  EncryptedUpload,
  type EncryptedUploadOptions,
  type UploadProgress,
} from '../src/encrypted-upload.js'
import { S3Error } from '../src/errors.js'
import { getObject } from '../src/get-object.js'
import { maxEncryptedPartSize } from '../src/internal/encrypt-part.js'
import {
  collect,
  type Endpoint,
  type KeyServerFixture,
  newBucket,
  pattern,
  s3rverEndpoint,
  startKeyServer,
} from './helpers/fixtures.js'
import { controlUploadParts, recordS3Calls, type S3CallLog } from './helpers/s3-call-log.js'

// EncryptedUpload against s3rver in this process (a real S3 endpoint on loopback, fast enough
// for the unit tier) and a real key server; every S3 call is recorded through the client's
// middleware stack. s3rver does not implement AbortMultipartUpload (it answers 405, which the
// upload ignores as it ignores any failure to abort): the integration test checks on Ceph that
// the abort leaves no upload behind.

const MIB = 1024 * 1024
const PART = 5 * MIB
const FULL_BODY = (PART / S) * ENCRYPTED_SEGMENT_SIZE

let s3: Endpoint
let ks: KeyServerFixture
let owner: LatchClient
let bucket: string

beforeAll(async () => {
  ;[s3, ks] = await Promise.all([s3rverEndpoint(), startKeyServer()])
  owner = ks.latch('owner')
  bucket = await newBucket(s3.client)
})

// Every client made here, to close its connections before s3rver closes.
const clients: S3Client[] = []
function newClient(): S3Client {
  const client = createS3Client({}, s3.env)
  clients.push(client)
  return client
}

afterAll(async () => {
  for (const client of [...clients, s3.client]) client.destroy()
  await Promise.all([s3.close(), ks.close()])
})

/** A client of its own (middleware is per client), its call log, and an upload through it. */
function upload(
  key: string,
  options: Partial<EncryptedUploadOptions> & Pick<EncryptedUploadOptions, 'body'>,
): { upload: EncryptedUpload; log: S3CallLog; client: S3Client } {
  const client = options.client ?? newClient()
  const log = recordS3Calls(client)
  return {
    upload: new EncryptedUpload({ latch: owner, bucket, key, partSize: PART, ...options, client }),
    log,
    client,
  }
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => expect.fail('it succeeded'),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Error)
  return error as Error
}

/** Waits until `done()` holds. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5))
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The index in the log of the first event that matches. */
function indexOf(log: S3CallLog, command: string, phase: 'start' | 'ok' | 'error'): number {
  return log.events.findIndex((e) => e.command === command && e.phase === phase)
}

/** Asserts that the abort started only after every UploadPart had settled. */
function expectAbortAfterEveryPart(log: S3CallLog): void {
  const abort = indexOf(log, 'AbortMultipartUpload', 'start')
  expect(abort).toBeGreaterThan(0)
  const starts = log.events.filter((e) => e.command === 'UploadPart' && e.phase === 'start')
  const settled = log.events.filter((e) => e.command === 'UploadPart' && e.phase !== 'start')
  expect(settled).toHaveLength(starts.length)
  for (const event of settled) expect(log.events.indexOf(event)).toBeLessThan(abort)
  expect(log.started().filter((c) => c === 'AbortMultipartUpload')).toHaveLength(1)
  expect(log.started()).not.toContain('CompleteMultipartUpload')
}

async function objectExists(key: string): Promise<boolean> {
  return s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    (error: Error) => {
      if (error.name === 'NotFound') return false
      throw error
    },
  )
}

describe('EncryptedUpload: parts', () => {
  it.each([
    [PART + 1, [FULL_BODY, TAG_SIZE + 1]],
    [2 * PART + S + 5, [FULL_BODY, FULL_BODY, ENCRYPTED_SEGMENT_SIZE + 5 + TAG_SIZE]],
    // A whole number of parts: the last part carries the empty final segment, no extra part.
    [3 * PART, [FULL_BODY, FULL_BODY, FULL_BODY + TAG_SIZE]],
  ])(
    'uploads %i bytes as parts of partSize plaintext, the last with the rest',
    async (size, bodies) => {
      const data = pattern(size)
      const key = `parts/${size}`
      const { upload: u, log } = upload(key, { body: data, queueSize: 2 })
      const result = await u.done()
      const started = log.started()
      expect(started[0]).toBe('CreateMultipartUpload')
      expect(started.at(-1)).toBe('CompleteMultipartUpload')
      expect(started.slice(1, -1).sort()).toEqual(
        bodies.map((_, i) => `UploadPart ${i + 1}`).sort(),
      )
      const sent = log.events
        .filter((e) => e.command === 'UploadPart' && e.phase === 'start')
        .sort((a, b) => (a.part ?? 0) - (b.part ?? 0))
        .map((e) => e.body?.length ?? -1)
      const header = (sent[0] ?? 0) - (bodies[0] ?? 0)
      expect(header).toBeGreaterThan(0)
      expect(sent).toEqual(bodies.map((b, i) => (i === 0 ? b + header : b)))
      expect(result).toMatchObject({
        bucket,
        key,
        size,
        parts: bodies.length,
        storedSize: ciphertextSize(size, header),
      })
      // CompleteMultipartUpload comes after every part succeeded.
      const complete = indexOf(log, 'CompleteMultipartUpload', 'start')
      for (const event of log.events.filter(
        (e) => e.command === 'UploadPart' && e.phase === 'ok',
      )) {
        expect(log.events.indexOf(event)).toBeLessThan(complete)
      }
      const got = await getObject({ client: s3.client, latch: owner, bucket, key })
      expect((await collect(got.body)).equals(data)).toBe(true)
    },
  )

  it.each([0, 1, PART])('stores %i bytes (one part or less) with one PutObject', async (size) => {
    const key = `single/${size}`
    const { upload: u, log } = upload(key, { body: pattern(size) })
    const result = await u.done()
    expect(log.started()).toEqual(['PutObject'])
    const body = log.events[0]?.body
    expect(body?.length).toBe(result.storedSize)
    expect(result).toMatchObject({ size, parts: 1 })
    const raw = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    expect(Number(raw.ContentLength)).toBe(result.storedSize)
  })

  it('reports progress after each part, up to the whole size', async () => {
    const size = 3 * PART + 7
    const { upload: u } = upload('progress', { body: pattern(size), size, queueSize: 2 })
    const progress: UploadProgress[] = []
    u.on('progress', (p) => progress.push(p))
    await u.done()
    expect(progress.map((p) => p.part)).toEqual([1, 2, 3, 4])
    expect(progress.at(-1)).toMatchObject({ loaded: size, total: size, bucket, key: 'progress' })
    const loaded = progress.map((p) => p.loaded)
    expect([...loaded].sort((a, b) => a - b)).toEqual(loaded)
  })
})

describe('EncryptedUpload: memory', () => {
  it('keeps at most queueSize parts in flight, in at most queueSize reused part buffers', async () => {
    const queueSize = 3
    const size = 7 * PART + 1
    const client = newClient()
    const log = recordS3Calls(client)
    // Each part waits until queueSize parts are in flight (or a while passed), so that the bound
    // is reached whenever the upload allows it.
    controlUploadParts(client, {
      hold: async () => {
        const started = Date.now()
        while (log.partsInFlight() < queueSize && Date.now() - started < 1_000) await sleep(5)
      },
    })
    const { upload: u } = upload('bounded', { client, body: pattern(size), queueSize })
    const result = await u.done()
    expect(result.parts).toBe(8)
    expect(log.maxPartsInFlight()).toBe(queueSize)
    const bodies = log.events.filter((e) => e.command === 'UploadPart' && e.phase === 'start')
    expect(bodies).toHaveLength(8)
    for (const event of bodies) {
      expect(event.body?.length).toBeLessThanOrEqual(maxEncryptedPartSize(PART))
    }
    // The ciphertext of every part is written into one of queueSize pooled buffers.
    expect(new Set(bodies.map((e) => e.body?.buffer)).size).toBeLessThanOrEqual(queueSize)
  })
})

describe('EncryptedUpload: the key server (issue 16)', () => {
  /** A client of `who` that records each key-server request and whether the object existed. */
  function recordingLatch(who: 'owner' | 'reader', key: string) {
    const requests: { request: string; objectStored: boolean }[] = []
    const latch = new LatchClient({
      server: ks.server.url,
      token: ks.tokens[who],
      transport: async (request) => {
        const objectStored = await objectExists(key)
        requests.push({
          request: `${request.method} ${new URL(request.url).pathname}`,
          objectStored,
        })
        return nodeHttpTransport(request)
      },
    })
    return { latch, requests }
  }

  it('creates the new policy with the object registered in one request, before S3 is written', async () => {
    const key = 'one-round-trip'
    const { latch, requests } = recordingLatch('owner', key)
    await latch.keys()
    requests.length = 0
    const result = await new EncryptedUpload({
      client: s3.client,
      latch,
      bucket,
      key,
      body: pattern(1024),
      readers: ['reader@example.com'],
    }).done()
    expect(requests).toEqual([{ request: 'POST /v1/policies', objectStored: false }])
    expect((await owner.keyServer.getPolicy(result.policyId)).objects).toMatchObject([
      { bucket, key },
    ])
    const got = await getObject({ client: s3.client, latch: ks.latch('reader'), bucket, key })
    expect(await collect(got.body)).toEqual(pattern(1024))
  })

  it('leaves S3 untouched when the key server refuses the policy: the object at the key survives', async () => {
    const key = 'refused-policy'
    const earlier = await new EncryptedUpload({
      client: s3.client,
      latch: owner,
      bucket,
      key,
      body: pattern(2048),
    }).done()
    const { latch } = recordingLatch('owner', key)
    const admin = new LatchClient({ server: ks.server.url, token: ks.adminToken }).keyServer
    const before = await admin.listPolicies({ total: 'true' })
    const error = await failure(
      new EncryptedUpload({
        client: s3.client,
        latch,
        bucket,
        key,
        body: pattern(1024),
        owner: 'someone-else@example.com',
      }).done(),
    )
    expect(error).toBeInstanceOf(KeyServerError)
    expect(error).toMatchObject({ code: 'ERR_ACCESS_FORBIDDEN' })
    expect((await admin.listPolicies({ total: 'true' })).total).toBe(before.total)
    const kept = await getObject({ client: s3.client, latch: owner, bucket, key })
    expect(kept.policyId).toBe(earlier.policyId)
    expect(await collect(kept.body)).toEqual(pattern(2048))
  })
})

describe('EncryptedUpload: failures', () => {
  it('aborts the upload only after every part in flight settled, and rejects with the mapped error', async () => {
    const policy = await owner.keyServer.createPolicy({})
    const client = newClient()
    const log = recordS3Calls(client)
    const refused = () => log.events.some((e) => e.part === 2 && e.phase === 'error')
    controlUploadParts(client, {
      refuse: 2,
      // Parts 1 and 3 are sent only well after part 2 failed: an upload that aborted before
      // they settled would show its abort first.
      hold: async (part) => {
        if (part === 2) return
        await until(refused)
        await sleep(300)
      },
    })
    const key = 'refused-part'
    const { upload: u } = upload(key, {
      client,
      body: pattern(6 * PART + 1),
      queueSize: 3,
      policyId: policy.id,
    })
    const error = await failure(u.done())
    expect(error).toBeInstanceOf(S3Error)
    expect(error).toMatchObject({ code: 'ERR_S3_ACCESS_DENIED' })
    expect((error.cause as Error).name).toBe('InvalidAccessKeyId')
    expect(error.message).toContain(`s3://${bucket}/${key}`)
    expectAbortAfterEveryPart(log)
    // The parts in flight when part 2 failed, and no other.
    expect(
      log
        .started()
        .filter((c) => c.startsWith('UploadPart'))
        .sort(),
    ).toEqual(['UploadPart 1', 'UploadPart 2', 'UploadPart 3'])
    expect(await objectExists(key)).toBe(false)
    expect((await owner.keyServer.getPolicy(policy.id)).objects).toEqual([])
  })

  it('starts no part once a part failed, not even one read while it was failing', async () => {
    const client = newClient()
    const log = recordS3Calls(client)
    let waiting = false
    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    // Parts 1 and 2 are out once the fourth chunk started (a part is held back until more input
    // shows it is not the last); before the fifth, the source waits until part 2 failed.
    async function* source() {
      for (let i = 0; i < 6; i++) {
        if (i === 4) {
          waiting = true
          await released
        }
        yield pattern(PART)
      }
    }
    controlUploadParts(client, {
      refuse: 2,
      hold: async (part) => {
        // Part 2 fails only once the other worker waits for the source for part 3.
        if (part === 2)
          await until(() => waiting && log.events.some((e) => e.part === 1 && e.phase === 'ok'))
      },
    })
    const { upload: u } = upload('no-part-after-failure', { client, body: source(), queueSize: 2 })
    const done = failure(u.done())
    await until(() => log.events.some((e) => e.part === 2 && e.phase === 'error'))
    release()
    const error = await done
    expect(error).toMatchObject({ code: 'ERR_S3_ACCESS_DENIED' })
    expect(
      log
        .started()
        .filter((c) => c.startsWith('UploadPart'))
        .sort(),
    ).toEqual(['UploadPart 1', 'UploadPart 2'])
    expectAbortAfterEveryPart(log)
  })

  it('aborts after the parts in flight settled when the source fails, and rejects with its error', async () => {
    const client = newClient()
    const log = recordS3Calls(client)
    const failed = () => log.events.some((e) => e.command === 'AbortMultipartUpload')
    let sourceFailed = false
    async function* source() {
      for (let i = 0; i < 4; i++) yield pattern(PART)
      sourceFailed = true
      throw new Error('disk read error')
    }
    controlUploadParts(client, {
      hold: async () => {
        await until(() => sourceFailed || failed())
        await sleep(200)
      },
    })
    const { upload: u } = upload('source-fails', { client, body: source(), queueSize: 3 })
    const error = await failure(u.done())
    expect(error.message).toBe('disk read error')
    expect(error).not.toBeInstanceOf(S3Error)
    expectAbortAfterEveryPart(log)
    expect(await objectExists('source-fails')).toBe(false)
  })

  it('aborts after the parts in flight settled when its signal aborts, and rejects with an AbortError', async () => {
    const client = newClient()
    const log = recordS3Calls(client)
    const controller = new AbortController()
    controlUploadParts(client, {
      hold: async (part) => {
        if (part === 2) controller.abort()
        await sleep(100)
      },
    })
    const { upload: u } = upload('aborted', {
      client,
      body: pattern(4 * PART),
      queueSize: 2,
      signal: controller.signal,
    })
    const error = await failure(u.done())
    expect(error.name).toBe('AbortError')
    expectAbortAfterEveryPart(log)
    // The abort of the upload is sent even though the caller's signal fired.
    expect(
      log.events.find((e) => e.command === 'AbortMultipartUpload' && e.phase !== 'start'),
    ).toBeDefined()
    expect(await objectExists('aborted')).toBe(false)
  })

  it('sends nothing when its signal was aborted before done()', async () => {
    const { upload: u, log } = upload('aborted-early', {
      body: pattern(10),
      signal: AbortSignal.abort(),
    })
    expect((await failure(u.done())).name).toBe('AbortError')
    expect(log.events).toEqual([])
  })
})

describe('EncryptedUpload: its contract', () => {
  it('runs once: a second done() rejects with ERR_S3_ARGUMENT_INVALID', async () => {
    const { upload: u, log } = upload('once', { body: pattern(100) })
    const first = u.done()
    const second = await failure(u.done())
    expect(second).toMatchObject({ code: 'ERR_S3_ARGUMENT_INVALID' })
    await first
    expect(log.started()).toEqual(['PutObject'])
  })

  it.each([
    ['a part size under 5 MiB', { partSize: 4 * MIB }],
    ['a part size that is not a multiple of 64 KiB', { partSize: PART + 1 }],
    ['a queue size of 0', { queueSize: 0 }],
    ['a queue size that is not an integer', { queueSize: 1.5 }],
  ])('refuses %s with ERR_S3_ARGUMENT_INVALID', (_what, options) => {
    expect(
      () =>
        new EncryptedUpload({
          client: s3.client,
          latch: owner,
          bucket,
          key: 'x',
          body: 'x',
          ...options,
        }),
    ).toThrow(expect.objectContaining({ code: 'ERR_S3_ARGUMENT_INVALID' }))
  })
})
