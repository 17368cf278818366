import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { ClientError, KeyServerClient, KeyServerError } from '@latch/client'
import {
  abortBrowserUpload,
  type BrowserUpload,
  completeBrowserUpload,
  presignDownload,
  S3Error,
  startBrowserUpload,
} from '@latch/s3'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import type { SubmissionsDb } from './submissions-db.js'

/** What the form app needs. */
export interface FormAppOptions {
  readonly s3: S3Client
  /** The S3 endpoint browsers PUT to and GET from (for the CSP's connect-src). */
  readonly s3Origin: string
  readonly bucket: string
  /** The key server's URL, and the app's service account there (`mayAssignOwner`). */
  readonly keyServerUrl: string
  readonly keyServer: KeyServerClient
  /** Who owns every submission's policy, and who reads them (the claims team). */
  readonly owner: string
  readonly readers: readonly string[]
  readonly db: SubmissionsDb
  /** Folder of index.html, review.html and style.css. */
  readonly publicDir: string
  /** Folder of the bundled page scripts, form.js and review.js (`vite build`). */
  readonly assetsDir: string
  /** Largest file the form takes, in bytes (default 100 MiB): the browser's sizes are not trusted. */
  readonly maxFileSize?: number
  /** Plaintext bytes per part of an upload (default 8 MiB; at least 5 MiB). */
  readonly partSize?: number
  /** Sees every request the backend receives: its URL and raw body (tests record them). */
  readonly onRequestBytes?: (url: string, body: string) => void
}

const NAMES = new Set(['form', 'attachment'])
const PAGES: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/review': ['review.html', 'text/html; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
}

/**
 * The PII form's backend: it creates a policy per submission with its service account, hands the
 * browser the policy id, the key server's public keys and presigned URLs, completes, checks and
 * registers what the browser stored, and keeps bucket, key and policy id. It never receives the
 * typed values or the file: the browser encrypts them and sends them to S3 itself.
 */
export async function buildFormApp(options: FormAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 16_384 })
  const { db } = options
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob:",
    `connect-src 'self' blob: ${options.s3Origin} ${new URL(options.keyServerUrl).origin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', csp)
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('cache-control', 'no-store')
  })
  app.addHook('onRequest', async (request) => {
    if (request.method === 'GET' || request.method === 'HEAD')
      options.onRequestBytes?.(request.url, '')
  })
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    options.onRequestBytes?.(request.url, body as string)
    try {
      done(null, body === '' ? {} : JSON.parse(body as string))
    } catch {
      done(badRequest('ERR_REQUEST_INVALID', 'the body is not JSON'), undefined)
    }
  })
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500
    if (error instanceof S3Error && error.code === 'ERR_S3_UPLOAD_INVALID') {
      return reply
        .code(422)
        .send({ code: error.code, message: 'the upload was refused and deleted' })
    }
    // The key server's own code and message stay here: they describe the app's service account
    // and the policy, which the page has no business learning (nor an attacker probing it).
    if (error instanceof KeyServerError) {
      return reply
        .code(502)
        .send({ code: 'ERR_KEY_SERVER_REFUSED', message: 'the key server refused the request' })
    }
    if (error instanceof ClientError) {
      return reply
        .code(502)
        .send({ code: 'ERR_KEY_SERVER_UNAVAILABLE', message: 'the key server could not be used' })
    }
    return reply
      .code(status)
      .send(
        status === 500
          ? { code: 'ERR_INTERNAL', message: 'internal error' }
          : { code: error.code ?? 'ERR_REQUEST_INVALID', message: error.message },
      )
  })

  for (const [url, [file, type]] of Object.entries(PAGES)) {
    app.get(url, async (_request, reply) =>
      reply.type(type).send(await readFile(join(options.publicDir, file))),
    )
  }
  app.get('/assets/:file', async (request, reply) => {
    const { file } = request.params as { file: string }
    if (!/^[a-z0-9-]+\.js$/.test(file)) throw badRequest('ERR_NOT_FOUND', 'no such file', 404)
    const bytes = await readFile(join(options.assetsDir, file)).catch(() => {
      throw badRequest('ERR_NOT_FOUND', 'no such file', 404)
    })
    return reply.type('text/javascript; charset=utf-8').send(bytes)
  })
  app.get('/api/config', async () => ({ keyServer: options.keyServerUrl }))

  app.post('/api/submissions', async (_request, reply) => {
    const policy = await options.keyServer.createPolicy({
      owner: options.owner,
      readers: [...options.readers],
      labels: { app: 'pii-form' },
    })
    const id = randomBytes(16).toString('base64url')
    db.addSubmission({ id, policyId: policy.id, createdAt: new Date().toISOString() })
    reply.code(201)
    return { id, policyId: policy.id, keys: await options.keyServer.keys() }
  })

  const located = (request: FastifyRequest) => {
    const { id, name } = request.params as { id: string; name: string }
    const submission = db.submission(id)
    if (submission === undefined || !NAMES.has(name)) {
      throw badRequest('ERR_NOT_FOUND', 'no such submission', 404)
    }
    return { submission, name }
  }

  app.post('/api/submissions/:id/uploads/:name/start', async (request) => {
    const { submission, name } = located(request)
    if (db.upload(submission.id, name) !== undefined) {
      throw badRequest('ERR_CONFLICT', 'this upload was started already', 409)
    }
    const body = request.body as { plaintextSize?: unknown; headerSize?: unknown }
    if (typeof body.plaintextSize !== 'number' || typeof body.headerSize !== 'number') {
      throw badRequest('ERR_REQUEST_INVALID', 'plaintextSize and headerSize are numbers')
    }
    if (body.plaintextSize > (options.maxFileSize ?? 100 * 1024 * 1024)) {
      throw badRequest('ERR_REQUEST_TOO_LARGE', 'the file is larger than this form takes', 413)
    }
    const upload = await startBrowserUpload({
      client: options.s3,
      bucket: options.bucket,
      key: `submissions/${submission.id}/${name}`,
      plaintextSize: body.plaintextSize,
      headerSize: body.headerSize,
      ...(options.partSize === undefined ? {} : { partSize: options.partSize }),
    }).catch((error: unknown) => {
      if (error instanceof S3Error && error.code === 'ERR_S3_ARGUMENT_INVALID') {
        throw badRequest('ERR_REQUEST_INVALID', error.message)
      }
      throw error
    })
    db.putUpload({
      submissionId: submission.id,
      name: name as 'form' | 'attachment',
      bucket: upload.bucket,
      key: upload.key,
      uploadId: upload.uploadId ?? null,
      plan: JSON.stringify(upload),
      state: 'planned',
    })
    return { parts: upload.parts, expiresAt: upload.expiresAt }
  })

  const planned = (request: FastifyRequest) => {
    const { submission, name } = located(request)
    const row = db.upload(submission.id, name)
    if (row === undefined || row.state !== 'planned') {
      throw badRequest('ERR_CONFLICT', 'no upload in progress', 409)
    }
    return { submission, name, upload: JSON.parse(row.plan) as BrowserUpload }
  }

  app.post('/api/submissions/:id/uploads/:name/complete', async (request) => {
    const { submission, name, upload } = planned(request)
    try {
      await completeBrowserUpload({
        client: options.s3,
        upload,
        policyId: submission.policyId,
        keyServer: options.keyServer,
      })
    } catch (error) {
      db.setState(submission.id, name, 'aborted')
      throw error
    }
    db.setState(submission.id, name, 'stored')
    return { stored: true }
  })

  // Only an upload still in progress: a stored object is never deleted through this route.
  app.post('/api/submissions/:id/uploads/:name/abort', async (request, reply) => {
    const { submission, name, upload } = planned(request)
    await abortBrowserUpload({ client: options.s3, upload })
    db.setState(submission.id, name, 'aborted')
    return reply.code(204).send()
  })

  // The review list: who asks must be known to the key server (its token decides what it can
  // decrypt anyway; the list shows only ids and presigned ciphertext URLs).
  app.get('/api/submissions', async (request) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
    if (token === undefined)
      throw badRequest('ERR_AUTH_REQUIRED', 'a bearer token is required', 401)
    await new KeyServerClient({ server: options.keyServerUrl, token })
      .me()
      .catch((error: unknown) =>
        // Only the key server's 401 means a bad token; an outage is the error handler's 502.
        Promise.reject(
          error instanceof KeyServerError && error.status === 401
            ? badRequest('ERR_AUTH_INVALID', 'the token was refused', 401)
            : error,
        ),
      )
    return Promise.all(
      db.submissions().map(async (s) => ({
        id: s.id,
        policyId: s.policyId,
        createdAt: s.createdAt,
        objects: await Promise.all(
          db
            .uploads(s.id)
            .filter((u) => u.state === 'stored')
            .map(async (u) => ({
              name: u.name,
              url: await presignDownload({ client: options.s3, bucket: u.bucket, key: u.key }),
            })),
        ),
      })),
    )
  })
  return app
}

function badRequest(code: string, message: string, statusCode = 400): Error {
  return Object.assign(new Error(message), { code, statusCode })
}
