import { type AddressInfo, createServer } from 'node:net'
import {
  GetBucketCorsCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketCorsCommand,
} from '@aws-sdk/client-s3'
import { KeyServerClient } from '@latch/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { abortBrowserUpload } from '../src/browser/abort-browser-upload.js'
import { abortStaleUploads } from '../src/browser/abort-stale-uploads.js'
import { completeBrowserUpload } from '../src/browser/complete-browser-upload.js'
import { planBrowserUpload } from '../src/browser/plan-browser-upload.js'
import { presignDownload } from '../src/browser/presign-download.js'
import { type BrowserUpload, startBrowserUpload } from '../src/browser/start-browser-upload.js'
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

const MIB = 1024 * 1024
const PART = 5 * MIB
const PAGE = 'https://forms.example.com'

let ks: KeyServerFixture
let s3: Endpoint
let bucket: string
let app: KeyServerClient
beforeAll(async () => {
  ks = await startKeyServer()
  s3 = cephEndpoint()
  bucket = await newBucket(s3.client, 'latch-browser')
  const admin = new KeyServerClient({ server: ks.server.url, token: ks.adminToken })
  const minted = await admin.createUser('forms-app@example.com', { mayAssignOwner: true })
  app = new KeyServerClient({ server: ks.server.url, token: minted.token })
})
afterAll(async () => {
  await ks.close()
})

/** What the app does first: a policy for the person filling in the form, created by the app. */
function policyForSubmitter() {
  return app.createPolicy({ owner: 'owner@example.com', readers: ['reader@example.com'] })
}

/** What the browser does: encrypt (here with the owner's client) and PUT each planned slice. */
async function encryptFor(policyId: string, data: Uint8Array): Promise<Uint8Array> {
  const { object } = await ks.latch('owner').encrypt(data, { policyId })
  return object
}

async function putParts(upload: BrowserUpload, object: Uint8Array, skip?: number) {
  let offset = 0
  for (const part of upload.parts) {
    const body = object.subarray(offset, offset + part.size)
    offset += part.size
    if (part.partNumber === skip) continue
    const answer = await fetch(part.url, { method: 'PUT', body, headers: { origin: PAGE } })
    expect(answer.status).toBe(200)
  }
}

function headerSizeOf(object: Uint8Array): number {
  return new DataView(object.buffer, object.byteOffset).getUint32(8, false)
}

async function closedPortUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

async function exists(key: string): Promise<boolean> {
  return s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  )
}

async function pendingUploads(prefix: string): Promise<number> {
  const page = await s3.client.send(
    new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }),
  )
  return page.Uploads?.length ?? 0
}

describe('browser uploads against Ceph RGW', () => {
  it('plans parts whose sizes add up to the object, the header in part 1 and the final segment last', () => {
    for (const size of [0, 1, 65_536, PART, PART + 1, 2 * PART, 2 * PART + 70_000]) {
      const plan = planBrowserUpload(size, 300, PART)
      expect(plan.parts.reduce((n, p) => n + p.size, 0)).toBe(plan.objectSize)
      expect(plan.parts.at(-1)?.plaintextEnd).toBe(size)
      expect(plan.parts.filter((p) => p.withHeader).map((p) => p.partNumber)).toEqual([1])
    }
    expect(() => planBrowserUpload(10, 300, PART + 1)).toThrow(/64 KiB/)
    expect(() => planBrowserUpload(10, 20_000, PART)).toThrow(/headerSize/)
  })

  it('uploads a small file with one presigned PUT when asked, checks its header and registers it', async () => {
    const policy = await policyForSubmitter()
    const data = pattern(1000)
    const object = await encryptFor(policy.id, data)
    const key = 'forms/small'
    const upload = await startBrowserUpload({
      client: s3.client,
      bucket,
      key,
      plaintextSize: data.length,
      headerSize: headerSizeOf(object),
      singlePut: true,
    })
    expect(upload.uploadId).toBeUndefined()
    expect(upload.objectSize).toBe(object.length)
    await putParts(upload, object)
    const done = await completeBrowserUpload({
      client: s3.client,
      upload,
      policyId: policy.id,
      keyServer: app,
    })
    expect(done).toMatchObject({ bucket, key, policyId: policy.id, objectSize: object.length })
    const got = await getObject({ client: s3.client, latch: ks.latch('reader'), bucket, key })
    expect(Buffer.from(await collect(got.body))).toEqual(data)
    const registered = await ks.latch('owner').keyServer.getPolicy(policy.id)
    expect(registered.objects).toMatchObject([{ objectId: done.objectId, bucket, key }])
    const url = await presignDownload({ client: s3.client, bucket, key })
    expect(Buffer.from(await (await fetch(url)).arrayBuffer())).toEqual(Buffer.from(object))
  })

  it('uploads a file of several presigned parts, and the URLs refuse any other body size', async () => {
    const policy = await policyForSubmitter()
    const data = pattern(PART + 100_000)
    const object = await encryptFor(policy.id, data)
    const key = 'forms/multi'
    const upload = await startBrowserUpload({
      client: s3.client,
      bucket,
      key,
      plaintextSize: data.length,
      headerSize: headerSizeOf(object),
      partSize: PART,
    })
    expect(upload.parts).toHaveLength(2)
    const first = upload.parts[0]
    if (first === undefined) throw new Error('no part')
    const longer = await fetch(first.url, { method: 'PUT', body: new Uint8Array(first.size + 1) })
    expect(longer.status).toBe(403)
    await putParts(upload, object)
    await completeBrowserUpload({ client: s3.client, upload, policyId: policy.id, keyServer: app })
    const got = await getObject({ client: s3.client, latch: ks.latch('reader'), bucket, key })
    expect(Buffer.from(await collect(got.body)).equals(data)).toBe(true)
    await expect(
      getObject({ client: s3.client, latch: ks.latch('outsider'), bucket, key }).then((o) =>
        collect(o.body),
      ),
    ).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED' })
  })

  it('deletes an object encrypted under another policy instead of registering it', async () => {
    const policy = await policyForSubmitter()
    const own = await ks.latch('outsider').keyServer.createPolicy({})
    const object = await ks
      .latch('outsider')
      .encrypt(pattern(500), { policyId: own.id })
      .then((e) => e.object)
    const key = 'forms/foreign'
    const upload = await startBrowserUpload({
      client: s3.client,
      bucket,
      key,
      plaintextSize: 500,
      headerSize: headerSizeOf(object),
    })
    await putParts(upload, object)
    await expect(
      completeBrowserUpload({ client: s3.client, upload, policyId: policy.id, keyServer: app }),
    ).rejects.toMatchObject({ code: 'ERR_S3_UPLOAD_INVALID' })
    expect(await exists(key)).toBe(false)
    expect((await ks.latch('owner').keyServer.getPolicy(policy.id)).objects).toEqual([])
  })

  it('refuses to complete with a part missing and leaves no object and no pending upload', async () => {
    const policy = await policyForSubmitter()
    const data = pattern(PART + 10)
    const object = await encryptFor(policy.id, data)
    const key = 'forms/missing-part'
    const upload = await startBrowserUpload({
      client: s3.client,
      bucket,
      key,
      plaintextSize: data.length,
      headerSize: headerSizeOf(object),
      partSize: PART,
    })
    await putParts(upload, object, 2)
    await expect(
      completeBrowserUpload({ client: s3.client, upload, policyId: policy.id, keyServer: app }),
    ).rejects.toMatchObject({ code: 'ERR_S3_UPLOAD_INVALID' })
    expect(await exists(key)).toBe(false)
    expect(await pendingUploads(key)).toBe(0)
  })

  it('uploads a small file as a multipart upload of one part by default, whose URL dies with the upload', async () => {
    const policy = await policyForSubmitter()
    const object = await encryptFor(policy.id, pattern(700))
    const key = 'forms/one-part'
    const upload = await startBrowserUpload({
      client: s3.client,
      bucket,
      key,
      plaintextSize: 700,
      headerSize: headerSizeOf(object),
    })
    expect(upload.uploadId).toBeDefined()
    await putParts(upload, object)
    const done = await completeBrowserUpload({
      client: s3.client,
      upload,
      policyId: policy.id,
      keyServer: app,
    })
    // The submitter replays its URL with other bytes of the same size: S3 refuses, the object stays.
    const other = await encryptFor(policy.id, pattern(700)) // a fresh key: other bytes
    const replay = await fetch(upload.parts[0]?.url as string, { method: 'PUT', body: other })
    expect(replay.status).toBe(404)
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    expect(head.ETag).toBe(done.etag)
    const url = await presignDownload({ client: s3.client, bucket, key })
    expect(Buffer.from(await (await fetch(url)).arrayBuffer())).toEqual(Buffer.from(object))
  })

  it('with singlePut, a replayed URL rewrites the object until it expires: only the ETag tells', async () => {
    const policy = await policyForSubmitter()
    const object = await encryptFor(policy.id, pattern(700))
    const key = 'forms/single-put-replay'
    const upload = await startBrowserUpload({
      client: s3.client,
      bucket,
      key,
      plaintextSize: 700,
      headerSize: headerSizeOf(object),
      singlePut: true,
    })
    await putParts(upload, object)
    const done = await completeBrowserUpload({
      client: s3.client,
      upload,
      policyId: policy.id,
      keyServer: app,
    })
    const other = await encryptFor(policy.id, pattern(700)) // a fresh key: other bytes
    const replay = await fetch(upload.parts[0]?.url as string, { method: 'PUT', body: other })
    expect(replay.status).toBe(200)
    // The threat docs/S3.md names; what an app can check: the ETag completion returned.
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    expect(head.ETag).not.toBe(done.etag)
  })

  it('deletes the completed object when the key server refuses to register it', async () => {
    const policy = await policyForSubmitter()
    const data = pattern(PART + 10)
    const object = await encryptFor(policy.id, data)
    const key = 'forms/unregistered'
    const upload = await startBrowserUpload({
      client: s3.client,
      bucket,
      key,
      plaintextSize: data.length,
      headerSize: headerSizeOf(object),
      partSize: PART,
    })
    await putParts(upload, object)
    // An account that may not register objects on this policy: S3 completes, registration fails.
    const stranger = ks.latch('outsider').keyServer
    await expect(
      completeBrowserUpload({
        client: s3.client,
        upload,
        policyId: policy.id,
        keyServer: stranger,
      }),
    ).rejects.toMatchObject({ status: 404 }) // not its policy: as if there were none
    expect(await exists(key)).toBe(false)
    expect(await pendingUploads(key)).toBe(0)
    expect((await ks.latch('owner').keyServer.getPolicy(policy.id)).objects).toEqual([])
  })

  it('deletes the completed object when the key server cannot be reached', async () => {
    const policy = await policyForSubmitter()
    const object = await encryptFor(policy.id, pattern(900))
    const key = 'forms/key-server-down'
    const upload = await startBrowserUpload({
      client: s3.client,
      bucket,
      key,
      plaintextSize: 900,
      headerSize: headerSizeOf(object),
    })
    await putParts(upload, object)
    // A port nothing listens on (closed right after it was bound).
    const down = new KeyServerClient({ server: await closedPortUrl(), token: 'x' })
    await expect(
      completeBrowserUpload({ client: s3.client, upload, policyId: policy.id, keyServer: down }),
    ).rejects.toBeDefined()
    expect(await exists(key)).toBe(false)
    expect(await pendingUploads(key)).toBe(0)
  })

  it('aborts an upload, and stale uploads under a prefix, leaving nothing behind', async () => {
    const start = (key: string) =>
      startBrowserUpload({
        client: s3.client,
        bucket,
        key,
        plaintextSize: PART + 1,
        headerSize: 300,
        partSize: PART,
      })
    const aborted = await start('stale/a')
    await abortBrowserUpload({ client: s3.client, upload: aborted })
    await abortBrowserUpload({ client: s3.client, upload: aborted })
    expect(await pendingUploads('stale/a')).toBe(0)
    await start('stale/b')
    await start('fresh/c')
    expect(
      await abortStaleUploads({
        client: s3.client,
        bucket,
        prefix: 'stale/',
        olderThanMs: 3_600_000,
      }),
    ).toEqual([])
    const later = new Date(Date.now() + 2 * 3_600_000)
    expect(
      await abortStaleUploads({
        client: s3.client,
        bucket,
        prefix: 'stale/',
        olderThanMs: 3_600_000,
        now: later,
      }),
    ).toEqual(['stale/b'])
    expect(await pendingUploads('stale/')).toBe(0)
    expect(await pendingUploads('fresh/')).toBe(1)
    await abortStaleUploads({
      client: s3.client,
      bucket,
      prefix: 'fresh/',
      olderThanMs: 0,
      now: later,
    })
  })

  it('takes a bucket CORS rule that lets a page PUT parts and read their ETag', async () => {
    await s3.client.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: [PAGE],
              AllowedMethods: ['PUT', 'GET'],
              AllowedHeaders: ['*'],
              ExposeHeaders: ['ETag'],
              MaxAgeSeconds: 600,
            },
          ],
        },
      }),
    )
    const rules = await s3.client.send(new GetBucketCorsCommand({ Bucket: bucket }))
    expect(rules.CORSRules?.[0]?.ExposeHeaders).toEqual(['ETag'])
    const upload = await startBrowserUpload({
      client: s3.client,
      bucket,
      key: 'forms/cors',
      plaintextSize: 10,
      headerSize: 300,
    })
    const url = upload.parts[0]?.url as string
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin: PAGE,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type',
      },
    })
    expect(preflight.status).toBe(200)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(PAGE)
    const other = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'PUT' },
    })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })
})
