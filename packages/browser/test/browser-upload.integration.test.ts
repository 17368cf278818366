import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
} from '@aws-sdk/client-s3'
import { KeyServerClient } from '@latch/client'
import {
  abortBrowserUpload,
  type BrowserUpload,
  completeBrowserUpload,
  createS3Client,
  presignDownload,
  startBrowserUpload,
} from '@latch/s3'
import { type RunningServer, startServer } from '@latch/server'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { encryptAndUpload } from '../src/encrypt-and-upload.js'
import { fetchDecrypted } from '../src/fetch-decrypted.js'

// The browser package's code paths on Node's own WebCrypto and fetch, against Ceph RGW and a real
// key server, with this test playing the app's backend. examples/pii-form runs them in Chromium.

const MIB = 1024 * 1024
let server: RunningServer
let dir: string
let app: KeyServerClient
let tokens: { reader: string; outsider: string }
const cephS3 = () => inject('cephS3')
let s3: ReturnType<typeof createS3Client>
const bucket = `latch-web-${Date.now().toString(36)}`

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latch-web-'))
  server = await startServer({ dataDir: dir, port: 0, logger: false })
  const admin = new KeyServerClient({
    server: server.url,
    token: readFileSync(join(dir, 'admin.token'), 'utf8').trim(),
  })
  app = new KeyServerClient({
    server: server.url,
    token: (await admin.createUser('forms-app@example.com', { mayAssignOwner: true })).token,
  })
  tokens = {
    reader: (await admin.createUser('reader@example.com')).token,
    outsider: (await admin.createUser('outsider@example.com')).token,
  }
  const c = cephS3()
  s3 = createS3Client(
    {},
    {
      AWS_ENDPOINT_URL_S3: c.endpoint,
      AWS_ACCESS_KEY_ID: c.accessKeyId,
      AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
      AWS_REGION: c.region,
    },
  )
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

function data(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 7) % 251
  return out
}

/** The app's side: a policy for the submitter, then start / complete / abort on its own S3 credentials. */
async function upload(key: string, file: Uint8Array, failPart?: number) {
  const policy = await app.createPolicy({
    owner: 'submitter@example.com',
    readers: ['reader@example.com'],
  })
  const keys = await app.keys()
  let started: BrowserUpload | undefined
  const progress: number[] = []
  const failing: typeof fetch = async (url, init) => {
    if (failPart !== undefined && String(url).includes(`partNumber=${failPart}`)) {
      return new Response('no', { status: 500 })
    }
    return fetch(url, init)
  }
  const done = encryptAndUpload(new Blob([file as Uint8Array<ArrayBuffer>]), {
    policyId: policy.id,
    keys,
    start: async (info) => {
      started = await startBrowserUpload({ client: s3, bucket, key, ...info, partSize: 5 * MIB })
      return started
    },
    complete: () =>
      completeBrowserUpload({
        client: s3,
        upload: started as BrowserUpload,
        policyId: policy.id,
        keyServer: app,
      }),
    abort: () => abortBrowserUpload({ client: s3, upload: started as BrowserUpload }),
    onProgress: (p) => progress.push(p.loaded),
    fetch: failing,
  })
  return { done, progress, policy }
}

async function read(url: string, token: string): Promise<Uint8Array> {
  const stream = await fetchDecrypted(url, { keyServer: server.url, token })
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

describe('@latch/browser against Ceph and a key server', () => {
  it('encrypts and uploads a file of two parts that only readers decrypt', async () => {
    const file = data(5 * MIB + 12_345)
    const { done, progress } = await upload('web/two-parts', file)
    const result = await done
    expect(result.key).toBe('web/two-parts')
    expect(progress).toEqual([5 * MIB, file.length])
    const url = await presignDownload({ client: s3, bucket, key: 'web/two-parts' })
    expect(Buffer.from(await read(url, tokens.reader)).equals(Buffer.from(file))).toBe(true)
    await expect(read(url, tokens.outsider)).rejects.toMatchObject({
      code: 'ERR_BROWSER_ACCESS_DENIED',
    })
  })

  it('fails on a tampered object', async () => {
    const file = data(100_000)
    await (await upload('web/tampered', file)).done
    const url = await presignDownload({ client: s3, bucket, key: 'web/tampered' })
    const ciphertext = new Uint8Array(await (await fetch(url)).arrayBuffer())
    const at = ciphertext.length - 100
    ciphertext[at] = (ciphertext[at] as number) ^ 1
    const tampered: typeof fetch = async () => new Response(ciphertext)
    const stream = await fetchDecrypted(url, {
      keyServer: server.url,
      token: tokens.reader,
      fetch: async (input, init) =>
        String(input).startsWith(server.url) ? fetch(input, init) : tampered(input, init),
    })
    await expect(new Response(stream).arrayBuffer()).rejects.toMatchObject({
      code: 'ERR_FORMAT_DECRYPT_FAILED',
    })
  })

  it('aborts when a part fails: no object and no pending multipart upload', async () => {
    const { done } = await upload('web/failed', data(5 * MIB + 1), 2)
    await expect(done).rejects.toMatchObject({ code: 'ERR_BROWSER_UPLOAD_FAILED' })
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'web/failed' })).then(
      () => 'exists',
      () => 'absent',
    )
    expect(head).toBe('absent')
    const pending = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'web/' }),
    )
    expect(pending.Uploads ?? []).toEqual([])
  })
})
