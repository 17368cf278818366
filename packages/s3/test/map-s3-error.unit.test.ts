import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  CompleteMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { ClientError, KeyServerError } from '@latch/client'
import { FormatError } from '@latch/format'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createS3Client } from '../src/create-s3-client.js'
import { S3_ERROR_CODES, S3Error, type S3ErrorCode } from '../src/errors.js'
import { mapS3Error } from '../src/map-s3-error.js'
import { sendS3 } from '../src/send-s3.js'

// --- An S3 endpoint on loopback that answers each key as scripted ---
// The SDK turns its answers into its own errors (modelled exceptions, unmodelled names, bare
// statuses), exactly as it does for AWS, Ceph or MinIO; mapS3Error then maps what the SDK made.

type Script =
  | { readonly status: number; readonly body?: string; readonly type?: string }
  | 'never'
  | 'reset'

const xmlError = (code: string, message = code) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>req-1</RequestId></Error>`

const scripts: Record<string, Script> = {
  'no-such-key': { status: 404, body: xmlError('NoSuchKey') },
  'no-such-bucket': { status: 404, body: xmlError('NoSuchBucket') },
  'no-such-version': { status: 404, body: xmlError('NoSuchVersion') },
  'no-such-upload': { status: 404, body: xmlError('NoSuchUpload') },
  'head-404': { status: 404 },
  'precondition-failed': { status: 412, body: xmlError('PreconditionFailed') },
  'head-412': { status: 412 },
  'access-denied': { status: 403, body: xmlError('AccessDenied') },
  'invalid-access-key': { status: 403, body: xmlError('InvalidAccessKeyId') },
  'signature-mismatch': { status: 403, body: xmlError('SignatureDoesNotMatch') },
  'head-403': { status: 403 },
  'internal-error': { status: 500, body: xmlError('InternalError') },
  'slow-down': { status: 503, body: xmlError('SlowDown') },
  'proxy-502': { status: 502, body: '<html>Bad Gateway</html>', type: 'text/html' },
  'head-503': { status: 503 },
  'error-in-200': { status: 200, body: xmlError('InternalError') },
  'empty-200': { status: 200, body: '' },
  'invalid-range': { status: 416, body: xmlError('InvalidRange') },
  'entity-too-small': { status: 400, body: xmlError('EntityTooSmall') },
  'method-not-allowed': { status: 405, body: xmlError('MethodNotAllowed') },
  'redirect-301': { status: 301, body: xmlError('PermanentRedirect') },
  never: 'never',
  reset: 'reset',
}

let server: Server
let s3: S3Client

beforeAll(async () => {
  server = createServer((request, response) => {
    const key = decodeURIComponent((request.url ?? '').split('?')[0]?.split('/')[2] ?? '')
    request.resume()
    const script = scripts[key] ?? { status: 500 }
    if (script === 'never') return
    if (script === 'reset') {
      request.socket.destroy()
      return
    }
    const body = request.method === 'HEAD' ? '' : (script.body ?? '')
    response.writeHead(script.status, {
      'content-type': script.type ?? 'application/xml',
      'content-length': String(Buffer.byteLength(script.body ?? '')),
    })
    response.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  s3 = createS3Client(
    // One attempt: the SDK would retry the 5xx and time-outs before it failed the same way.
    { maxAttempts: 1, requestHandler: { socketTimeout: 300 } },
    {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: 'TEST',
      AWS_SECRET_ACCESS_KEY: 'TEST',
      AWS_REGION: 'us-east-1',
    },
  )
})

afterAll(async () => {
  s3.destroy()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const where = (key: string) => `s3://b/${key}`

/** Sends `command` through sendS3 and returns what it rejected with. */
async function mapped(command: object, key: string, signal?: AbortSignal): Promise<unknown> {
  return sendS3(s3, command, where(key), signal).then(
    () => expect.fail(`${key} succeeded`),
    (error: unknown) => error,
  )
}

const get = (key: string) => new GetObjectCommand({ Bucket: 'b', Key: key })
const head = (key: string) => new HeadObjectCommand({ Bucket: 'b', Key: key })

// Every SDK failure below, and the code it must map to: together they must reach every code.
const cases: [string, () => object, string, S3ErrorCode][] = [
  ['GetObject NoSuchKey', () => get('no-such-key'), 'no-such-key', 'ERR_S3_NOT_FOUND'],
  ['GetObject NoSuchBucket', () => get('no-such-bucket'), 'no-such-bucket', 'ERR_S3_NOT_FOUND'],
  ['GetObject NoSuchVersion', () => get('no-such-version'), 'no-such-version', 'ERR_S3_NOT_FOUND'],
  [
    'UploadPart NoSuchUpload',
    () =>
      new UploadPartCommand({
        Bucket: 'b',
        Key: 'no-such-upload',
        UploadId: 'u',
        PartNumber: 1,
        Body: 'x',
      }),
    'no-such-upload',
    'ERR_S3_NOT_FOUND',
  ],
  ['HeadObject 404 (no body: NotFound)', () => head('head-404'), 'head-404', 'ERR_S3_NOT_FOUND'],
  [
    'GetObject PreconditionFailed',
    () => get('precondition-failed'),
    'precondition-failed',
    'ERR_S3_CHANGED',
  ],
  ['HeadObject 412 (no body)', () => head('head-412'), 'head-412', 'ERR_S3_CHANGED'],
  ['GetObject AccessDenied', () => get('access-denied'), 'access-denied', 'ERR_S3_ACCESS_DENIED'],
  [
    'GetObject InvalidAccessKeyId',
    () => get('invalid-access-key'),
    'invalid-access-key',
    'ERR_S3_ACCESS_DENIED',
  ],
  [
    'GetObject SignatureDoesNotMatch',
    () => get('signature-mismatch'),
    'signature-mismatch',
    'ERR_S3_ACCESS_DENIED',
  ],
  ['HeadObject 403 (no body)', () => head('head-403'), 'head-403', 'ERR_S3_ACCESS_DENIED'],
  ['GetObject InternalError', () => get('internal-error'), 'internal-error', 'ERR_S3_UNAVAILABLE'],
  ['GetObject SlowDown', () => get('slow-down'), 'slow-down', 'ERR_S3_UNAVAILABLE'],
  ['GetObject 502 from a proxy', () => get('proxy-502'), 'proxy-502', 'ERR_S3_UNAVAILABLE'],
  ['HeadObject 503 (no body)', () => head('head-503'), 'head-503', 'ERR_S3_UNAVAILABLE'],
  [
    'CompleteMultipartUpload error inside a 200',
    () => new CompleteMultipartUploadCommand({ Bucket: 'b', Key: 'error-in-200', UploadId: 'u' }),
    'error-in-200',
    'ERR_S3_UNAVAILABLE',
  ],
  [
    'CompleteMultipartUpload empty 200',
    () => new CompleteMultipartUploadCommand({ Bucket: 'b', Key: 'empty-200', UploadId: 'u' }),
    'empty-200',
    'ERR_S3_UNAVAILABLE',
  ],
  ['connection reset', () => get('reset'), 'reset', 'ERR_S3_UNAVAILABLE'],
  ['no answer (socket time-out)', () => get('never'), 'never', 'ERR_S3_UNAVAILABLE'],
  ['GetObject InvalidRange', () => get('invalid-range'), 'invalid-range', 'ERR_S3_REQUEST_FAILED'],
  [
    'PutObject EntityTooSmall',
    () => new PutObjectCommand({ Bucket: 'b', Key: 'entity-too-small', Body: 'x' }),
    'entity-too-small',
    'ERR_S3_REQUEST_FAILED',
  ],
  [
    'GetObject MethodNotAllowed',
    () => get('method-not-allowed'),
    'method-not-allowed',
    'ERR_S3_REQUEST_FAILED',
  ],
  ['GetObject 301 redirect', () => get('redirect-301'), 'redirect-301', 'ERR_S3_REQUEST_FAILED'],
]

describe('mapS3Error on the errors the SDK makes of S3’s answers', () => {
  it.each(cases.map(([label, command, key, code]) => [label, code, command, key] as const))(
    '%s → %s',
    async (_label, code, command, key) => {
      const error = await mapped(command(), key)
      expect(error).toBeInstanceOf(S3Error)
      expect(error).toMatchObject({ code })
      expect((error as Error).message).toContain(where(key))
      // The SDK's error stays reachable for logs and support.
      expect((error as Error).cause).toBeInstanceOf(Error)
    },
  )

  it('maps a refused connection to ERR_S3_UNAVAILABLE', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as AddressInfo
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const dead = createS3Client(
      { maxAttempts: 1 },
      {
        AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
        AWS_ACCESS_KEY_ID: 'TEST',
        AWS_SECRET_ACCESS_KEY: 'TEST',
      },
    )
    const error = await sendS3(dead, get('x'), where('x')).then(
      () => expect.fail('succeeded'),
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'ERR_S3_UNAVAILABLE' })
    expect((error as Error).message).toContain('cannot reach S3')
  })

  it('maps a client without a region to ERR_S3_ARGUMENT_INVALID, saying what to set', async () => {
    const noRegion = new S3Client({ credentials: { accessKeyId: 'a', secretAccessKey: 'b' } })
    const error = await sendS3(noRegion, get('x'), where('x')).then(
      () => expect.fail('succeeded'),
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'ERR_S3_ARGUMENT_INVALID' })
    expect((error as Error).message).toContain('AWS_REGION')
  })

  it('lets an abort through as it is', async () => {
    const controller = new AbortController()
    const pending = mapped(get('never'), 'never', controller.signal)
    setTimeout(() => controller.abort(), 20)
    const error = await pending
    expect(error).not.toBeInstanceOf(S3Error)
    expect((error as Error).name).toBe('AbortError')
  })

  it('reaches every code of S3ErrorCode', () => {
    const reached = new Set<string>([
      ...cases.map((c) => c[3]),
      'ERR_S3_ARGUMENT_INVALID',
      // Raised by completeBrowserUpload's checks, not by mapping an SDK error.
      'ERR_S3_UPLOAD_INVALID',
    ])
    expect([...reached].sort()).toEqual([...S3_ERROR_CODES].sort())
  })
})

describe('mapS3Error on errors that carry only part of what S3 says', () => {
  const sdk = (name: string, $fault: 'client' | 'server', status?: number) =>
    new S3ServiceException({
      name,
      $fault,
      $metadata: status === undefined ? {} : { httpStatusCode: status },
      message: `${name} happened`,
    })

  it.each([
    ['a modelled name without a status', 'ERR_S3_NOT_FOUND', sdk('NoSuchKey', 'client')],
    ['a server fault without a status', 'ERR_S3_UNAVAILABLE', sdk('ServiceUnavailable', 'server')],
    ['a client fault without a status', 'ERR_S3_REQUEST_FAILED', sdk('InvalidArgument', 'client')],
    ['an unknown name with status 404', 'ERR_S3_NOT_FOUND', sdk('Gone', 'client', 404)],
    ['an unknown name with status 412', 'ERR_S3_CHANGED', sdk('Changed', 'client', 412)],
    ['an unknown name with status 403', 'ERR_S3_ACCESS_DENIED', sdk('Forbidden', 'client', 403)],
    ['a client fault with status 504', 'ERR_S3_UNAVAILABLE', sdk('GatewayTimeout', 'client', 504)],
    // What the fetch and HTTP/2 handlers of the SDK throw on a time-out: a name, no code.
    [
      'a time-out without a code',
      'ERR_S3_UNAVAILABLE',
      Object.assign(new Error('Request did not complete within 1000 ms'), {
        name: 'TimeoutError',
      }),
    ],
    [
      'a network error with a code',
      'ERR_S3_UNAVAILABLE',
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    ],
  ] as const)('%s → %s', (_label, code, error) => {
    const result = mapS3Error(error, 's3://b/k')
    expect(result).toBeInstanceOf(S3Error)
    expect(result).toMatchObject({ code })
    expect((result as Error).cause).toBe(error)
  })
})

describe('mapS3Error on errors that are not S3’s', () => {
  it.each([
    ['an S3Error', new S3Error('ERR_S3_CHANGED', 'changed')],
    ['a FormatError', new FormatError('ERR_FORMAT_DECRYPT_FAILED', 'decryption failed')],
    ['a KeyServerError', new KeyServerError('ERR_ACCESS_DENIED', 'access denied', 403, 'r-1')],
    ['a ClientError', new ClientError('ERR_CLIENT_UNAVAILABLE', 'no key server')],
    ['an AbortError', new DOMException('aborted', 'AbortError')],
    ['a plain Error', new Error('a bug of ours')],
    ['a string', 'thrown as a string'],
    ['undefined', undefined],
  ] as const)('passes %s through unchanged', (_label, error) => {
    expect(mapS3Error(error, 's3://b/k')).toBe(error)
  })
})
