import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { routes } from '@latch/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClientError, KeyServerClient } from '../src/index.js'

// A server on loopback whose behaviour each path names: one that never answers, one that sends
// its headers and then stalls, one that cuts the connection mid-body. `seen` tells, per path,
// whether the client closed its connection before the server answered. Any other `/v1/` path
// echoes the request.
type Behaviour = (request: IncomingMessage, response: ServerResponse) => void

const behaviours: Record<string, Behaviour> = {
  '/never': () => undefined,
  '/stall-body': (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
    response.write('{"kasId":')
  },
  '/cut-body': (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
    response.write('{"kasId":', () => response.socket?.destroy())
  },
  '/echo': (request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(
      JSON.stringify({
        method: request.method,
        url: request.url,
        authorization: request.headers.authorization ?? null,
        contentType: request.headers['content-type'] ?? null,
      }),
    )
  },
  '/no-content': (_request, response) => {
    response.writeHead(204)
    response.end()
  },
}

const closedEarly = new Map<string, Promise<number>>()
let server: Server
let base: string

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? ''
    const started = Date.now()
    closedEarly.set(
      path,
      new Promise((resolve) => {
        response.on('close', () => {
          if (!response.writableFinished) resolve(Date.now() - started)
        })
      }),
    )
    request.resume()
    const fallback = path.startsWith('/v1/') ? '/echo' : '/never'
    ;(behaviours[path] ?? behaviours[fallback])?.(request, response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

async function settle(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now()
  const error = await promise.then(
    () => expect.fail('the request succeeded'),
    (e: unknown) => e,
  )
  return { error, ms: Date.now() - started }
}

// How long the client's closing of the connection may take to reach the server.
const GRACE_MS = 2_000

describe('a key server that does not answer in time', () => {
  it('fails with ERR_CLIENT_UNAVAILABLE once the configured time-out passed, and closes the request', async () => {
    const client = new KeyServerClient({ server: base, timeoutMs: 300 })
    const { error, ms } = await settle(client.request('GET', '/never'))
    expect(error).toBeInstanceOf(ClientError)
    expect(error).toMatchObject({ code: 'ERR_CLIENT_UNAVAILABLE' })
    expect((error as Error).message).toMatch(/did not answer within 300 ms/)
    expect(((error as Error).cause as Error).name).toBe('TimeoutError')
    // Timers may fire a few milliseconds early; the server's clock starts after the connection.
    expect(ms).toBeGreaterThanOrEqual(250)
    expect(ms).toBeLessThan(300 + GRACE_MS)
    const closedAfter = await closedEarly.get('/never')
    expect(closedAfter).toBeGreaterThanOrEqual(200)
  })

  it('times out an answer whose body stalls, with the same code', async () => {
    const client = new KeyServerClient({ server: base, timeoutMs: 300 })
    const { error, ms } = await settle(client.request('GET', '/stall-body'))
    expect(error).toBeInstanceOf(ClientError)
    expect(error).toMatchObject({ code: 'ERR_CLIENT_UNAVAILABLE' })
    expect(ms).toBeLessThan(300 + GRACE_MS)
    await closedEarly.get('/stall-body')
  })

  it('reports a connection cut in the middle of the answer as ERR_CLIENT_UNAVAILABLE', async () => {
    const client = new KeyServerClient({ server: base, timeoutMs: 5_000 })
    const { error } = await settle(client.request('GET', '/cut-body'))
    expect(error).toBeInstanceOf(ClientError)
    expect(error).toMatchObject({ code: 'ERR_CLIENT_UNAVAILABLE' })
  })

  it('reports a refused connection as ERR_CLIENT_UNAVAILABLE with the cause', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as AddressInfo
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const client = new KeyServerClient({ server: `http://127.0.0.1:${port}` })
    const { error } = await settle(client.me())
    expect(error).toBeInstanceOf(ClientError)
    expect(error).toMatchObject({ code: 'ERR_CLIENT_UNAVAILABLE' })
    expect((error as Error).message).toContain(`127.0.0.1:${port}`)
    expect((error as Error).cause).toBeInstanceOf(Error)
  })
})

describe('a caller’s abort signal', () => {
  it('cancels the request in flight: the promise rejects with the signal’s reason at once', async () => {
    const client = new KeyServerClient({ server: base, timeoutMs: 10_000 })
    const controller = new AbortController()
    const pending = settle(
      client.request('GET', '/never', undefined, { signal: controller.signal }),
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    const reason = new Error('the user pressed ^C')
    controller.abort(reason)
    const { error, ms } = await pending
    expect(error).toBe(reason)
    expect(ms).toBeLessThan(GRACE_MS)
    await closedEarly.get('/never')
  })

  it('rejects with an AbortError, not ERR_CLIENT_UNAVAILABLE, for a signal aborted before the call', async () => {
    const client = new KeyServerClient({ server: base })
    const { error } = await settle(
      client.request('GET', '/echo', undefined, { signal: AbortSignal.abort() }),
    )
    expect((error as Error).name).toBe('AbortError')
  })

  it('still times out when the caller’s signal does not fire', async () => {
    const client = new KeyServerClient({ server: base, timeoutMs: 200 })
    const { error } = await settle(
      client.request('GET', '/never', undefined, { signal: new AbortController().signal }),
    )
    expect(error).toMatchObject({ code: 'ERR_CLIENT_UNAVAILABLE' })
  })
})

describe('requests', () => {
  it('send the token as a bearer token and JSON bodies as JSON, to the server without its trailing slash', async () => {
    const client = new KeyServerClient({ server: `${base}/`, token: 't0ken' })
    expect(client.server).toBe(base)
    expect(await client.request('POST', '/echo', { a: 1 })).toEqual({
      method: 'POST',
      url: '/echo',
      authorization: 'Bearer t0ken',
      contentType: 'application/json',
    })
    expect(await new KeyServerClient({ server: base }).request('GET', '/echo')).toMatchObject({
      authorization: null,
      contentType: null,
    })
  })

  it('from the Node build go one after another over one kept-alive connection (issue 16)', async () => {
    const connections = new Set<string>()
    server.on('request', (request: IncomingMessage) => {
      connections.add(`${request.socket.remotePort}`)
    })
    const client = new KeyServerClient({ server: base })
    for (let i = 0; i < 5; i++) await client.request('POST', '/echo', { i })
    expect(connections.size).toBe(1)
    connections.clear()
    // A `fetch` given is used instead (what the web build always uses).
    const seen: string[] = []
    const viaFetch = new KeyServerClient({
      server: base,
      fetch: async (input, init) => {
        seen.push(String(input))
        return fetch(input, init)
      },
    })
    expect(await viaFetch.request('GET', '/echo')).toMatchObject({ method: 'GET' })
    expect(seen).toEqual([`${base}/echo`])
  })

  it('fill path parameters as single segments and send the query members given', async () => {
    const client = new KeyServerClient({ server: base })
    const echoed = (answer: unknown) => (answer as { url: string }).url
    expect(echoed(await client.getPolicy('a/b?c'))).toBe('/v1/policies/a%2Fb%3Fc')
    expect(echoed(await client.listPolicies({ prefix: 'x y&z', cursor: '' }))).toBe(
      '/v1/policies?prefix=x%20y%26z&cursor=',
    )
    expect(echoed(await client.listPolicies({}))).toBe('/v1/policies')
  })

  it('refuse a route call without one of its path parameters, before any request', async () => {
    const seen: string[] = []
    const client = new KeyServerClient({
      server: base,
      fetch: async (input, init) => {
        seen.push(String(input))
        return fetch(input, init)
      },
    })
    const missing = { params: {}, query: {} } as never
    await expect(client.call(routes.getPolicy, missing)).rejects.toThrow(/no value for :id/)
    expect(seen).toEqual([])
  })

  it('read an empty 204 answer as null', async () => {
    expect(await new KeyServerClient({ server: base }).request('DELETE', '/no-content')).toBeNull()
  })
})

describe('configuration', () => {
  it.each([
    ['not a URL', 'key server'],
    ['an ftp URL', 'ftp://example.com'],
    ['a file URL', 'file:///tmp/x'],
  ])('refuses %s with ERR_CLIENT_CONFIG_INVALID', (_what, server) => {
    expect(() => new KeyServerClient({ server })).toThrow(
      expect.objectContaining({ code: 'ERR_CLIENT_CONFIG_INVALID' }),
    )
  })

  it('needs LATCH_SERVER in the environment, and reads LATCH_TOKEN', async () => {
    expect(() => KeyServerClient.fromEnv({})).toThrow(
      expect.objectContaining({ code: 'ERR_CLIENT_CONFIG_INVALID' }),
    )
    expect(() => KeyServerClient.fromEnv({ LATCH_SERVER: '' })).toThrow(ClientError)
    const client = KeyServerClient.fromEnv({ LATCH_SERVER: base, LATCH_TOKEN: 'from-env' })
    expect(await client.request('GET', '/echo')).toMatchObject({ authorization: 'Bearer from-env' })
  })
})
