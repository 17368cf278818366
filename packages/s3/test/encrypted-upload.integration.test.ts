import { ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3'
import type { LatchClient } from '@latch/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createS3Client } from '../src/create-s3-client.js'
import { EncryptedUpload } from '../src/encrypted-upload.js'
import { S3Error } from '../src/errors.js'
import { getObject } from '../src/get-object.js'
import {
  cephEndpoint,
  collect,
  type Endpoint,
  type KeyServerFixture,
  newBucket,
  pattern,
  startKeyServer,
} from './helpers/fixtures.js'
import { controlUploadParts, recordS3Calls } from './helpers/s3-call-log.js'

// The S3 call sequences of EncryptedUpload on Ceph's RADOS Gateway, which (unlike s3rver)
// implements AbortMultipartUpload and lists pending uploads.

const PART = 5 * 1024 * 1024

let ceph: Endpoint
let ks: KeyServerFixture
let owner: LatchClient
let bucket: string
const clients: S3Client[] = []

beforeAll(async () => {
  ceph = cephEndpoint()
  ks = await startKeyServer()
  owner = ks.latch('owner')
  bucket = await newBucket(ceph.client, 'latch-upload')
})

afterAll(async () => {
  for (const client of clients) client.destroy()
  await ks.close()
})

function newClient(): S3Client {
  const client = createS3Client({}, ceph.env)
  clients.push(client)
  return client
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(done: () => boolean): Promise<void> {
  while (!done()) await sleep(5)
}

describe('EncryptedUpload on Ceph', () => {
  it('sends CreateMultipartUpload, the parts, then CompleteMultipartUpload', async () => {
    const client = newClient()
    const log = recordS3Calls(client)
    const data = pattern(2 * PART + 1)
    const upload = new EncryptedUpload({
      client,
      latch: owner,
      bucket,
      key: 'sequence',
      body: data,
      partSize: PART,
      queueSize: 2,
    })
    const result = await upload.done()
    const started = log.started()
    expect(started[0]).toBe('CreateMultipartUpload')
    expect(started.slice(1, 4).sort()).toEqual(['UploadPart 1', 'UploadPart 2', 'UploadPart 3'])
    expect(started[4]).toBe('CompleteMultipartUpload')
    // Ceph 16.2 answers CompleteMultipartUpload with an empty ETag: the upload then asks for it.
    expect(started.slice(5)).toEqual(started.length > 5 ? ['HeadObject'] : [])
    expect(result.etag).toMatch(/\S/)
    const got = await getObject({ client, latch: owner, bucket, key: 'sequence' })
    expect((await collect(got.body)).equals(data)).toBe(true)
  })

  it('aborts only after every part in flight settled when S3 refuses a part, leaving no upload', async () => {
    const client = newClient()
    const log = recordS3Calls(client)
    const refused = () => log.events.some((e) => e.part === 2 && e.phase === 'error')
    controlUploadParts(client, {
      refuse: 2,
      hold: async (part) => {
        if (part === 2) return
        await until(refused)
        await sleep(300)
      },
    })
    const policy = await owner.keyServer.createPolicy({})
    const upload = new EncryptedUpload({
      client,
      latch: owner,
      bucket,
      key: 'refused',
      body: pattern(5 * PART + 1),
      partSize: PART,
      queueSize: 3,
      policyId: policy.id,
    })
    const error = await upload.done().then(
      () => expect.fail('the upload succeeded'),
      (e: unknown) => e as Error,
    )
    expect(error).toBeInstanceOf(S3Error)
    expect(error).toMatchObject({ code: 'ERR_S3_ACCESS_DENIED' })
    expect((error.cause as Error).name).toBe('InvalidAccessKeyId')

    const abort = log.events.findIndex(
      (e) => e.command === 'AbortMultipartUpload' && e.phase === 'start',
    )
    const parts = log.events.filter((e) => e.command === 'UploadPart')
    expect(
      parts
        .filter((e) => e.phase === 'start')
        .map((e) => e.part)
        .sort(),
    ).toEqual([1, 2, 3])
    expect(
      parts
        .filter((e) => e.phase === 'ok')
        .map((e) => e.part)
        .sort(),
    ).toEqual([1, 3])
    for (const event of parts) expect(log.events.indexOf(event)).toBeLessThan(abort)
    expect(log.events.slice(abort).map((e) => `${e.command} ${e.phase}`)).toEqual([
      'AbortMultipartUpload start',
      'AbortMultipartUpload ok',
    ])
    const uploads = await ceph.client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'refused' }),
    )
    expect(uploads.Uploads ?? []).toEqual([])
    expect((await owner.keyServer.getPolicy(policy.id)).objects).toEqual([])
  })
})
