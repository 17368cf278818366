import { SERVER_ERROR_CODES, type ServerErrorCode, statusFor } from '@latch/protocol'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ServerError } from '../src/errors.js'
import { errorHandler } from '../src/http/error-handler.js'

// A detail that must never reach a caller of a failed (5xx) request: a path, a driver's message.
const DETAIL =
  'could not open /var/lib/latch/latch.db: SQLITE_CORRUPT (database disk image is malformed)'

let app: FastifyInstance
beforeAll(async () => {
  app = Fastify({ logger: false })
  app.setErrorHandler(errorHandler)
  app.get<{ Params: { code: ServerErrorCode } }>('/throw/:code', async (request) => {
    throw new ServerError(request.params.code, DETAIL)
  })
  await app.ready()
})
afterAll(async () => {
  await app.close()
})

describe('error answers', () => {
  for (const code of SERVER_ERROR_CODES) {
    const status = statusFor[code]
    it(`${code}: ${status}, ${status >= 500 ? 'a fixed message, never the cause' : 'its own message'}`, async () => {
      const answer = await app.inject(`/throw/${code}`)
      expect(answer.statusCode).toBe(status)
      const body = answer.json() as { code: string; message: string; requestId: string }
      expect(body.code).toBe(code)
      expect(body.requestId).toMatch(/./)
      if (status >= 500) {
        expect(body.message).not.toContain('latch.db')
        expect(body.message).not.toContain('SQLITE')
        expect(body.message.length).toBeGreaterThan(0)
      } else {
        expect(body.message).toBe(DETAIL)
      }
    })
  }

  it('words the failures a caller can act on', async () => {
    expect((await app.inject('/throw/ERR_AUDIT_UNAVAILABLE')).json()).toMatchObject({
      message: 'the audit log cannot record this request; no key was released',
    })
    expect((await app.inject('/throw/ERR_STORE_UNAVAILABLE')).json()).toMatchObject({
      message: 'the key server database is unavailable; retry later',
    })
    expect((await app.inject('/throw/ERR_INTERNAL')).json()).toMatchObject({
      message: 'internal error',
    })
  })
})
