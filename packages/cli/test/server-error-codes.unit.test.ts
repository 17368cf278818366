import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runInProcess } from './in-process.js'

// A key server on loopback that refuses every request with the answer of the current test: codes
// a newer server may send, which no server of this version does.
let answer = { status: 403, body: {} as Record<string, string> }
let server: Server
let env: Record<string, string>

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(answer.status, { 'content-type': 'application/json' })
    response.end(JSON.stringify(answer.body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  env = { LATCH_SERVER: `http://127.0.0.1:${port}`, LATCH_TOKEN: 'latch_test' }
})
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

describe('latch and a refusal it has no code for (a newer key server)', () => {
  it('prints the code the server sent and exits as its status says', async () => {
    const cases = [
      { status: 403, code: 'ERR_ACCESS_QUARANTINED', exit: 77, hint: ': ask an admin' },
      { status: 503, code: 'ERR_HSM_UNAVAILABLE', exit: 69, hint: '' },
      { status: 404, code: 'ERR_POLICY_ARCHIVED', exit: 66, hint: '' },
      { status: 400, code: 'ERR_LABEL_RESERVED', exit: 64, hint: '' },
    ]
    for (const c of cases) {
      answer = {
        status: c.status,
        body: { code: c.code, message: 'refused', requestId: 'r-7' },
      }
      const result = await runInProcess(['policy', 'show', 'p-1'], env)
      expect(result.code, c.code).toBe(c.exit)
      expect(result.stderr, c.code).toBe(`latch: refused (${c.code}, request r-7)${c.hint}\n`)
    }
  })

  it('prints a code it knows as before, with its hint', async () => {
    answer = {
      status: 401,
      body: { code: 'ERR_AUTH_INVALID', message: 'invalid token', requestId: 'r-8' },
    }
    const result = await runInProcess(['policy', 'show', 'p-1'], env)
    expect(result.code).toBe(77)
    expect(result.stderr).toBe(
      'latch: invalid token (ERR_AUTH_INVALID, request r-8): check LATCH_TOKEN\n',
    )
  })
})
