import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3'
import { KeyServerClient } from '@latch/client'
import { parseHeader } from '@latch/format'
import { createS3Client, readLatchHeader } from '@latch/s3'
import { launchChromium } from '@latch/testkit/browser'
import {
  type KeyServerProcess,
  startKeyServerProcess,
  stopKeyServer,
} from '@latch/testkit/key-server-process'
import { runLatch } from '@latch/testkit/latch-process'
import { startOidcProvider, type TestOidcProvider } from '@latch/testkit/oidc-provider'
import type { FastifyInstance } from 'fastify'
import type { Browser, Page, Route } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { buildFormApp, type FormAppOptions } from '../src/app.js'
import { openSubmissionsDb, type SubmissionsDb } from '../src/submissions-db.js'

// The worked example end to end: Chromium fills the form, Ceph RGW stores the ciphertext,
// a `latch server` process holds the keys, the app's backend sees neither the values nor the file.

const MIB = 1024 * 1024
const HERE = new URL('..', import.meta.url).pathname
const NAME = 'Ada Quintessa Lovelace'
const NATIONAL_ID = 'NID-7392-5581-QX'
const MARKER = 'ATTACHMENT-PLAINTEXT-MARKER-0042'

let dir: string
let ks: KeyServerProcess
let idp: TestOidcProvider
let appServer: FastifyInstance
let appOptions: FormAppOptions
let db: SubmissionsDb
let browser: Browser
let origin: string
let tokens: { reviewer: string; outsider: string; service: string }
const recorded: { url: string; body: string }[] = []
const bucket = `latch-pii-${Date.now().toString(36)}`
const c = inject('cephS3')
const s3 = createS3Client(
  {},
  {
    AWS_ENDPOINT_URL_S3: c.endpoint,
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_REGION: c.region,
  },
)
// A file of two 5 MiB parts that starts with text the test can look for.
const attachment = Buffer.concat([Buffer.from(MARKER), randomBytes(5 * MIB + 100_000)])

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latch-pii-'))
  const assets = join(dir, 'assets')
  process.env.PII_FORM_ASSETS = assets
  await build({ configFile: join(HERE, 'vite.config.ts') })
  const port = await freePort()
  origin = `http://127.0.0.1:${port}`
  // A real OIDC provider whose access tokens the key server accepts: the reviewer's signed-in page.
  idp = await startOidcProvider({
    clients: [
      { clientId: 'reviewer', email: 'Reviewer@Claims.Example.com', emailVerified: true },
      { clientId: 'stranger', email: 'stranger@example.com', emailVerified: true },
    ],
  })
  ks = await startKeyServerProcess(join(dir, 'ks'), [
    '--cors-origin',
    origin,
    '--oidc-issuer',
    idp.issuer,
    '--oidc-audience',
    idp.audience,
  ])
  const admin = new KeyServerClient({ server: ks.url, token: ks.adminToken })
  const service = await admin.createUser('forms-app@example.com', { mayAssignOwner: true })
  tokens = {
    reviewer: (await admin.createUser('reviewer@claims.example.com')).token,
    outsider: (await admin.createUser('outsider@example.com')).token,
    service: service.token,
  }
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: [origin],
            AllowedMethods: ['PUT', 'GET'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag'],
          },
        ],
      },
    }),
  )
  db = openSubmissionsDb(join(dir, 'pii-form.db'))
  appOptions = {
    s3,
    s3Origin: new URL(c.endpoint).origin,
    bucket,
    keyServerUrl: ks.url,
    keyServer: new KeyServerClient({ server: ks.url, token: service.token }),
    owner: 'claims-lead@claims.example.com',
    readers: ['reviewer@claims.example.com'],
    db,
    publicDir: join(HERE, 'public'),
    assetsDir: assets,
    partSize: 5 * MIB,
    onRequestBytes: (url, body) => recorded.push({ url, body }),
  }
  appServer = await buildFormApp(appOptions)
  await appServer.listen({ host: '127.0.0.1', port })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await appServer?.close()
  db?.close()
  if (ks !== undefined) await stopKeyServer(ks)
  await idp?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function submit(page: Page): Promise<string | undefined> {
  await page.goto(`${origin}/`)
  await page.fill('#name', NAME)
  await page.fill('#national-id', NATIONAL_ID)
  await page.setInputFiles('#attachment', {
    name: 'claim.bin',
    mimeType: 'application/octet-stream',
    buffer: attachment,
  })
  await page.click('#submit')
  await page.waitForSelector('#status[data-submission], #status[data-failed]')
  return page.getAttribute('#status', 'data-submission').then((v) => v ?? undefined)
}

async function openAs(token: string, submission: string) {
  const page = await browser.newPage()
  await page.goto(`${origin}/review`)
  await page.fill('#token', token)
  await page.click('#sign-in button')
  await page.click(`button[data-submission="${submission}"]`)
  await page.waitForSelector('#opened:not([hidden]), #error:not(:empty)')
  return page
}

async function objectBytes(key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  return Buffer.from(
    await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  )
}

describe('examples/pii-form in Chromium', () => {
  let submission: string
  it('submits the form: the backend receives neither the values nor the file, S3 holds Latch ciphertext', async () => {
    const page = await browser.newPage()
    submission = (await submit(page)) as string
    expect(submission).toBeDefined()
    expect(recorded.length).toBeGreaterThan(0)
    const seen = recorded.map((r) => `${r.url}\n${r.body}`).join('\n')
    for (const secret of [NAME, NATIONAL_ID, MARKER, encodeURIComponent(NAME)]) {
      expect(seen).not.toContain(secret)
    }
    const row = db.submission(submission)
    expect(row?.policyId).toMatch(/^p-/)
    for (const name of ['form', 'attachment']) {
      const key = `submissions/${submission}/${name}`
      const { header } = await readLatchHeader({ client: s3, bucket, key })
      expect(header.core.policyId).toBe(row?.policyId)
      const stored = await objectBytes(key)
      expect(stored.includes(MARKER)).toBe(false)
      expect(stored.includes(NAME)).toBe(false)
    }
  })

  it('lets a reviewer read it in the browser, and shows an outsider nothing', async () => {
    const reviewer = await openAs(tokens.reviewer, submission)
    expect(await reviewer.textContent('#shown-name')).toBe(NAME)
    expect(await reviewer.textContent('#shown-national-id')).toBe(NATIONAL_ID)
    // A function typed without the DOM library (the tests compile without it).
    const digest = await reviewer.locator('#shown-attachment').evaluate(async (link: object) => {
      const bytes = await (await fetch((link as { href: string }).href)).arrayBuffer()
      const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
      return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('')
    })
    expect(digest).toBe(createHash('sha256').update(attachment).digest('hex'))
    const outsider = await openAs(tokens.outsider, submission)
    expect(await outsider.textContent('#error')).toContain('ERR_BROWSER_ACCESS_DENIED')
    expect(await outsider.isHidden('#opened')).toBe(true)
    expect(await outsider.textContent('#shown-name')).toBe('')
  })

  it('lets a reviewer signed in with OIDC read it in the browser (rewrap with the access token), and denies another OIDC user', async () => {
    const rewraps: string[] = []
    const reviewer = await browser.newPage()
    reviewer.on('request', (r) => {
      if (r.url().endsWith('/v1/rewrap')) rewraps.push(r.headers().authorization ?? '')
    })
    const oidcToken = await idp.mintToken('reviewer')
    await reviewer.goto(`${origin}/review`)
    await reviewer.fill('#token', oidcToken)
    await reviewer.click('#sign-in button')
    await reviewer.click(`button[data-submission="${submission}"]`)
    await reviewer.waitForSelector('#opened:not([hidden]), #error:not(:empty)')
    expect(await reviewer.textContent('#error')).toBe('')
    expect(await reviewer.textContent('#shown-name')).toBe(NAME)
    expect(await reviewer.getAttribute('#shown-attachment', 'data-size')).toBe(
      String(attachment.length),
    )
    // The page itself asked the key server, with the OIDC access token (one rewrap per object).
    expect(rewraps).toEqual([`Bearer ${oidcToken}`, `Bearer ${oidcToken}`])
    const stranger = await openAs(await idp.mintToken('stranger'), submission)
    expect(await stranger.textContent('#error')).toContain('ERR_BROWSER_ACCESS_DENIED')
    expect(await stranger.isHidden('#opened')).toBe(true)
    expect(await stranger.textContent('#shown-name')).toBe('')
  })

  it('lets the reviewer read it with `latch get` too', async () => {
    const got = await runLatch(
      ['get', `s3://${bucket}/submissions/${submission}/attachment`, '-'],
      {
        LATCH_SERVER: ks.url,
        LATCH_TOKEN: tokens.reviewer,
        HOME: dir,
        AWS_ENDPOINT_URL_S3: c.endpoint,
        AWS_ACCESS_KEY_ID: c.accessKeyId,
        AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
        AWS_REGION: c.region,
      },
    )
    expect(got.code, got.stderr).toBe(0)
    expect(got.stdoutBytes.equals(attachment)).toBe(true)
  })

  it('fails on a tampered object with a clear error and shows no data', async () => {
    const key = `submissions/${submission}/attachment`
    const stored = await objectBytes(key)
    const at = stored.length - 70_000
    stored[at] = (stored[at] as number) ^ 1
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: stored }))
    const reviewer = await openAs(tokens.reviewer, submission)
    expect(await reviewer.textContent('#error')).toContain('ERR_FORMAT_DECRYPT_FAILED')
    expect(await reviewer.isHidden('#opened')).toBe(true)
    expect(await reviewer.textContent('#shown-name')).toBe('')
  })

  it('refuses bad or oversized upload requests with a clear code, never a 500', async () => {
    const created = (
      await appServer.inject({ method: 'POST', url: '/api/submissions', payload: {} })
    ).json()
    const start = (payload: unknown, name = 'attachment') =>
      appServer.inject({
        method: 'POST',
        url: `/api/submissions/${created.id}/uploads/${name}/start`,
        payload: payload as object,
      })
    expect((await start({ plaintextSize: 10 ** 12, headerSize: 700 })).json()).toMatchObject({
      code: 'ERR_REQUEST_TOO_LARGE',
    })
    expect((await start({ plaintextSize: '10', headerSize: 700 })).statusCode).toBe(400)
    expect((await start({ plaintextSize: 10, headerSize: 99_999 })).statusCode).toBe(400)
    expect((await start({ plaintextSize: 10, headerSize: 700 }, 'other')).statusCode).toBe(404)
    const abort = await appServer.inject({
      method: 'POST',
      url: `/api/submissions/${submission}/uploads/attachment/abort`,
      payload: {},
    })
    expect(abort.statusCode).toBe(409)
  })

  it('leaves no object and no pending multipart upload when a part fails', async () => {
    const page = await browser.newPage()
    await page.route(/partNumber=2/, (route) => route.fulfill({ status: 500, body: 'no' }))
    const before = new Set(db.submissions().map((s) => s.id))
    expect(await submit(page)).toBeUndefined()
    expect(await page.textContent('#status')).toContain('ERR_BROWSER_UPLOAD_FAILED')
    const failed = db.submissions().find((s) => !before.has(s.id))
    expect(failed).toBeDefined()
    const key = `submissions/${failed?.id}/attachment`
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => 'exists',
      () => 'absent',
    )
    expect(head).toBe('absent')
    const pending = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'submissions/' }),
    )
    expect(pending.Uploads ?? []).toEqual([])
  })

  it('answers 502 ERR_KEY_SERVER_REFUSED, without the key server detail, when it refuses the registration, and keeps no object', async () => {
    const page = await browser.newPage()
    let answered: { status: number; body: string } | undefined
    let failed: string | undefined
    // As the page stores its form's first part, the object id in that part's header is registered
    // on the policy under another header: the key server then refuses the app's registration (409).
    await page.route(/\/submissions\/[^/]+\/form\?.*partNumber=1/, async (route: Route) => {
      if (route.request().method() !== 'PUT') return route.continue()
      const header = parseHeader(route.request().postDataBuffer() as Buffer)
      await new KeyServerClient({ server: ks.url, token: tokens.service }).addPolicyObject(
        header.core.policyId,
        {
          objectId: Buffer.from(header.core.objectId).toString('base64url'),
          coreHash: Buffer.alloc(32, 7).toString('base64url'),
        },
      )
      await route.continue()
    })
    await page.route(/\/uploads\/form\/complete$/, async (route: Route) => {
      failed = /submissions\/([^/]+)\//.exec(route.request().url())?.[1]
      const response = await route.fetch()
      answered = { status: response.status(), body: await response.text() }
      await route.fulfill({ response })
    })
    expect(await submit(page)).toBeUndefined()
    expect(answered?.status).toBe(502)
    expect(JSON.parse(answered?.body ?? '{}')).toEqual({
      code: 'ERR_KEY_SERVER_REFUSED',
      message: 'the key server refused the request',
    })
    const head = await s3
      .send(new HeadObjectCommand({ Bucket: bucket, Key: `submissions/${failed}/form` }))
      .then(
        () => 'exists',
        () => 'absent',
      )
    expect(head).toBe('absent')
  })

  it('answers 502 with a stable code when the key server refuses or cannot be reached', async () => {
    const refused = await buildFormApp({
      ...appOptions,
      keyServer: new KeyServerClient({ server: ks.url, token: tokens.outsider }),
    })
    const down = await buildFormApp({
      ...appOptions,
      keyServer: new KeyServerClient({ server: `http://127.0.0.1:${await freePort()}` }),
    })
    try {
      const create = (app: FastifyInstance) =>
        app.inject({ method: 'POST', url: '/api/submissions', payload: {} })
      const a = await create(refused)
      expect([a.statusCode, a.json().code]).toEqual([502, 'ERR_KEY_SERVER_REFUSED'])
      const b = await create(down)
      expect([b.statusCode, b.json().code]).toEqual([502, 'ERR_KEY_SERVER_UNAVAILABLE'])
      // The review list asks the key server who the bearer is: a bad token is 401, an outage 502.
      const list = (app: FastifyInstance, token: string) =>
        app.inject({
          method: 'GET',
          url: '/api/submissions',
          headers: { authorization: `Bearer ${token}` },
        })
      const c = await list(refused, 'not-a-token')
      expect([c.statusCode, c.json().code]).toEqual([401, 'ERR_AUTH_INVALID'])
      const unreachable = await buildFormApp({
        ...appOptions,
        keyServerUrl: `http://127.0.0.1:${await freePort()}`,
      })
      try {
        const d = await list(unreachable, tokens.outsider)
        expect([d.statusCode, d.json().code]).toEqual([502, 'ERR_KEY_SERVER_UNAVAILABLE'])
      } finally {
        await unreachable.close()
      }
    } finally {
      await refused.close()
      await down.close()
    }
  })
})
