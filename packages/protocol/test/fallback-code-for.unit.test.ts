import { describe, expect, it } from 'vitest'
import {
  fallbackCodeFor,
  isServerErrorCode,
  SERVER_ERROR_CODES,
  type ServerErrorCode,
  statusFor,
} from '../src/index.js'

describe('reading a code this version does not know', () => {
  it('knows exactly the codes of the union', () => {
    for (const code of SERVER_ERROR_CODES) expect(isServerErrorCode(code), code).toBe(true)
    for (const value of ['ERR_NEWER', 'err_internal', '', undefined, 403, null, {}]) {
      expect(isServerErrorCode(value), String(value)).toBe(false)
    }
  })

  it('reads every status a code has as a code of that same status', () => {
    for (const status of new Set(Object.values(statusFor))) {
      expect(statusFor[fallbackCodeFor(status)], String(status)).toBe(status)
    }
  })

  it('reads other statuses as the nearest kind of failure', () => {
    const expected: Record<number, ServerErrorCode> = {
      402: 'ERR_REQUEST_INVALID',
      418: 'ERR_REQUEST_INVALID',
      451: 'ERR_REQUEST_INVALID',
      501: 'ERR_INTERNAL',
      502: 'ERR_STORE_UNAVAILABLE',
      504: 'ERR_STORE_UNAVAILABLE',
      599: 'ERR_INTERNAL',
    }
    for (const [status, code] of Object.entries(expected)) {
      expect(fallbackCodeFor(Number(status)), status).toBe(code)
    }
  })
})
