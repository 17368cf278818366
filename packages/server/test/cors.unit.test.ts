import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../src/http/app.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

const PAGE = 'https://forms.example.com'
const OTHER = 'https://evil.example.net'

let t: TestApp | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

function preflight(app: TestApp['app'], origin: string) {
  return app.inject({
    method: 'OPTIONS',
    url: '/v1/rewrap',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  })
}

describe('CORS on the key server', () => {
  it('says nothing to any origin by default', async () => {
    t = await buildTestApp()
    const answer = await t.app.inject({ url: '/v1/me', headers: { origin: PAGE } })
    expect(answer.headers['access-control-allow-origin']).toBeUndefined()
    const pre = await preflight(t.app, PAGE)
    expect(pre.headers['access-control-allow-origin']).toBeUndefined()
    expect(pre.headers['access-control-allow-methods']).toBeUndefined()
  })

  it('lets a listed origin preflight Authorization + JSON and read the answer', async () => {
    t = await buildTestApp({ corsOrigins: [PAGE, 'http://localhost:5173'] })
    const pre = await preflight(t.app, PAGE)
    expect(pre.statusCode).toBe(204)
    expect(pre.headers['access-control-allow-origin']).toBe(PAGE)
    expect(pre.headers['access-control-allow-headers']).toMatch(/Authorization/)
    expect(pre.headers['access-control-allow-headers']).toMatch(/Content-Type/)
    expect(pre.headers['access-control-allow-methods']).toMatch(/POST/)
    expect(pre.headers['access-control-allow-credentials']).toBeUndefined()
    const me = await t.app.inject({
      url: '/v1/me',
      headers: { origin: PAGE, authorization: `Bearer ${t.adminToken}` },
    })
    expect(me.statusCode).toBe(200)
    expect(me.headers['access-control-allow-origin']).toBe(PAGE)
    expect(me.headers.vary).toMatch(/Origin/)
  })

  it('puts the headers on an error answer too, so the page can read the error code', async () => {
    t = await buildTestApp({ corsOrigins: [PAGE] })
    const answer = await t.app.inject({
      method: 'POST',
      url: '/v1/rewrap',
      headers: { origin: PAGE, authorization: 'Bearer not-a-token' },
      payload: {},
    })
    expect(answer.statusCode).toBe(401)
    expect(answer.headers['access-control-allow-origin']).toBe(PAGE)
    expect(answer.json()).toMatchObject({ code: 'ERR_AUTH_INVALID' })
  })

  it('gives an unlisted origin, or a near miss of a listed one, no CORS headers at all', async () => {
    t = await buildTestApp({ corsOrigins: [PAGE] })
    for (const origin of [OTHER, `${PAGE}.evil.net`, 'http://forms.example.com', 'null']) {
      const pre = await preflight(t.app, origin)
      expect(pre.headers['access-control-allow-origin']).toBeUndefined()
      expect(pre.headers['access-control-allow-methods']).toBeUndefined()
      const me = await t.app.inject({
        url: '/v1/me',
        headers: { origin, authorization: `Bearer ${t.adminToken}` },
      })
      expect(me.headers['access-control-allow-origin']).toBeUndefined()
    }
  })

  it('refuses a wildcard or anything that is not an exact origin with ERR_CONFIG_INVALID', async () => {
    t = await buildTestApp()
    for (const corsOrigins of [['*'], [`${PAGE}/`], [`${PAGE}/form`], ['forms.example.com']]) {
      const config = { ...t.services.config, corsOrigins }
      await expect(buildApp({ ...t.services, config })).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
      })
    }
  })
})
