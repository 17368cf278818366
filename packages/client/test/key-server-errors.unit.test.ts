import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClientError, KeyServerClient, KeyServerError } from '../src/index.js'

// A key server on loopback that answers every request with the status and body its path names,
// so that the client reads answers no real server of this version gives (a newer server's code).
const answers: Record<string, { status: number; body: string; type?: string }> = {
  '/known': {
    status: 403,
    body: '{"code":"ERR_ACCESS_DENIED","message":"access denied","requestId":"r-1"}',
  },
  '/newer-403': {
    status: 403,
    body: '{"code":"ERR_ACCESS_QUARANTINED","message":"quarantined","requestId":"r-2"}',
  },
  '/newer-503': {
    status: 503,
    body: '{"code":"ERR_HSM_UNAVAILABLE","message":"retry later","requestId":"r-3"}',
  },
  '/newer-418': { status: 418, body: '{"code":"ERR_TEAPOT","message":"short and stout"}' },
  '/audit-down': {
    status: 503,
    body: '{"code":"ERR_AUDIT_UNAVAILABLE","message":"the audit log cannot record this request; no key was released","requestId":"r-4"}',
  },
  '/html-502': { status: 502, body: '<html>Bad Gateway</html>', type: 'text/html' },
  '/html-404': { status: 404, body: '<html>Not Found</html>', type: 'text/html' },
  '/not-an-error': { status: 400, body: '{"error":"bad"}' },
  '/no-message-400': { status: 400, body: '{"code":"ERR_REQUEST_INVALID"}' },
  '/no-message-503': { status: 503, body: '{"code":"ERR_STORE_UNAVAILABLE"}' },
  '/numeric-code': { status: 403, body: '{"code":403,"message":"denied"}' },
  '/odd-request-id': {
    status: 401,
    body: '{"code":"ERR_AUTH_INVALID","message":"invalid token","requestId":42}',
  },
  '/rate-limited': {
    status: 429,
    body: '{"code":"ERR_RATE_LIMITED","message":"slow down","requestId":"r-5"}',
  },
  '/newer-502': { status: 502, body: '{"code":"ERR_UPSTREAM","message":"bad gateway"}' },
  '/newer-504': { status: 504, body: '{"code":"ERR_UPSTREAM","message":"gateway time-out"}' },
  '/newer-507': { status: 507, body: '{"code":"ERR_DISK_FULL","message":"full"}' },
  '/ok-html': { status: 200, body: '<html>Welcome</html>', type: 'text/html' },
  '/ok-truncated-json': { status: 200, body: '{"kasId":"a"' },
}

let server: Server
let base: string

beforeAll(async () => {
  server = createServer((request, response) => {
    const answer = answers[request.url ?? ''] ?? { status: 500, body: '' }
    response.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json' })
    response.end(answer.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

async function failure(path: string): Promise<unknown> {
  return new KeyServerClient({ server: base }).request('GET', path).then(
    () => expect.fail(`${path} succeeded`),
    (error: unknown) => error,
  )
}

describe('how the client reads the key server’s error answers', () => {
  it('keeps a code it knows, with the status and the request id', async () => {
    const error = await failure('/known')
    expect(error).toBeInstanceOf(KeyServerError)
    expect(error).toMatchObject({
      code: 'ERR_ACCESS_DENIED',
      serverCode: 'ERR_ACCESS_DENIED',
      status: 403,
      requestId: 'r-1',
      message: 'access denied',
    })
  })

  it('reads a code of a newer server by its status, and keeps the code as sent', async () => {
    expect(await failure('/newer-403')).toMatchObject({
      code: 'ERR_ACCESS_FORBIDDEN',
      serverCode: 'ERR_ACCESS_QUARANTINED',
      status: 403,
      requestId: 'r-2',
      message: 'quarantined',
    })
    expect(await failure('/newer-503')).toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
      serverCode: 'ERR_HSM_UNAVAILABLE',
      status: 503,
    })
    expect(await failure('/newer-418')).toMatchObject({
      code: 'ERR_REQUEST_INVALID',
      serverCode: 'ERR_TEAPOT',
      status: 418,
      requestId: undefined,
    })
  })

  it('reports a 5xx error answer as the server’s error, with its code', async () => {
    expect(await failure('/audit-down')).toMatchObject({
      code: 'ERR_AUDIT_UNAVAILABLE',
      serverCode: 'ERR_AUDIT_UNAVAILABLE',
      status: 503,
    })
  })

  it('takes a 5xx that is not an error answer (a proxy’s page) for a server it cannot reach', async () => {
    const error = await failure('/html-502')
    expect(error).toBeInstanceOf(ClientError)
    expect(error).toMatchObject({ code: 'ERR_CLIENT_UNAVAILABLE' })
    const empty = await failure('/empty-500')
    expect(empty).toMatchObject({ code: 'ERR_CLIENT_UNAVAILABLE' })
  })

  it('takes a 4xx that is not an error answer for an answer it does not understand', async () => {
    for (const path of ['/html-404', '/not-an-error']) {
      const error = await failure(path)
      expect(error, path).toBeInstanceOf(ClientError)
      expect(error, path).toMatchObject({ code: 'ERR_CLIENT_RESPONSE_INVALID' })
    }
  })

  it('takes an error answer without a string code and message for one it does not understand, or for an unavailable server at 5xx', async () => {
    for (const path of ['/no-message-400', '/numeric-code']) {
      const error = await failure(path)
      expect(error, path).toBeInstanceOf(ClientError)
      expect(error, path).toMatchObject({ code: 'ERR_CLIENT_RESPONSE_INVALID' })
    }
    expect(await failure('/no-message-503')).toMatchObject({ code: 'ERR_CLIENT_UNAVAILABLE' })
  })

  it('drops a request id that is not a string', async () => {
    const error = await failure('/odd-request-id')
    expect(error).toBeInstanceOf(KeyServerError)
    expect(error).toMatchObject({ code: 'ERR_AUTH_INVALID', status: 401, requestId: undefined })
  })

  it('keeps 429 and its code, for the caller to retry later', async () => {
    expect(await failure('/rate-limited')).toMatchObject({
      code: 'ERR_RATE_LIMITED',
      status: 429,
      requestId: 'r-5',
    })
  })

  it('reads a newer server’s code at a gateway status as unavailable, at any other 5xx as internal', async () => {
    for (const path of ['/newer-502', '/newer-504']) {
      expect(await failure(path), path).toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
        serverCode: 'ERR_UPSTREAM',
      })
    }
    expect(await failure('/newer-507')).toMatchObject({
      code: 'ERR_INTERNAL',
      serverCode: 'ERR_DISK_FULL',
      status: 507,
    })
  })

  it('refuses a success answer that is not JSON as ERR_CLIENT_RESPONSE_INVALID', async () => {
    for (const path of ['/ok-html', '/ok-truncated-json']) {
      const error = await failure(path)
      expect(error, path).toBeInstanceOf(ClientError)
      expect(error, path).toMatchObject({ code: 'ERR_CLIENT_RESPONSE_INVALID' })
      expect((error as Error).message, path).toContain('HTTP 200')
    }
  })
})
