import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// /console: the built files with their cache headers, index.html for the console's own paths,
// nothing else from the disk, the strict CSP on every answer, and no route at all with
// `console: false`.

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

let dist: string
let t: TestApp
let off: TestApp

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'latch-console-dist-'))
  mkdirSync(join(dist, 'assets'))
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>')
  writeFileSync(join(dist, 'assets', 'index-AbC123.js'), 'console.log(1)')
  writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  writeFileSync(join(dist, '..', 'outside.txt'), 'not served')
  t = await buildTestApp({}, { consoleDist: dist })
  off = await buildTestApp({ console: false }, { consoleDist: dist })
})
afterAll(async () => {
  await t?.close()
  await off?.close()
  rmSync(dist, { recursive: true, force: true })
  rmSync(join(dist, '..', 'outside.txt'), { force: true })
})

describe('/console', () => {
  it('answers index.html for the console and its pages, never stored, under the CSP', async () => {
    for (const url of ['/console', '/console/', '/console/files/p-abc', '/console/index.html']) {
      const answer = await t.app.inject({ url })
      expect(answer.statusCode, url).toBe(200)
      expect(answer.body).toBe('<!doctype html><title>console</title>')
      expect(answer.headers['content-type']).toMatch(/^text\/html/)
      expect(answer.headers['cache-control']).toBe('no-store')
      expect(answer.headers['content-security-policy']).toBe(CSP)
      expect(answer.headers['x-content-type-options']).toBe('nosniff')
      expect(answer.headers['referrer-policy']).toBe('no-referrer')
    }
  })

  it('serves hashed assets as immutable, other files revalidated, and nothing it did not build', async () => {
    const script = await t.app.inject({ url: '/console/assets/index-AbC123.js' })
    expect(script.statusCode).toBe(200)
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(script.headers['content-security-policy']).toBe(CSP)
    const icon = await t.app.inject({ url: '/console/favicon.svg' })
    expect(icon.headers['cache-control']).toBe('no-cache')
    for (const url of [
      '/console/assets/missing.js',
      '/console/assets/../../outside.txt',
      '/console/assets/%2e%2e%2f%2e%2e%2foutside.txt',
    ]) {
      const answer = await t.app.inject({ url })
      expect(answer.body, url).not.toContain('not served')
    }
    const missing = await t.app.inject({ url: '/console/assets/missing.js' })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ code: 'ERR_NOT_FOUND' })
  })

  it('leaves the API as it was: no console headers, still never stored', async () => {
    const health = await t.app.inject({ url: '/healthz' })
    expect(health.headers['content-security-policy']).toBeUndefined()
    expect(health.headers['cache-control']).toBe('no-store')
  })

  it('is not there with console: false: like any unknown path, 401 without a token, 404 with one', async () => {
    for (const url of ['/console', '/console/', '/console/assets/index-AbC123.js']) {
      const anonymous = await off.app.inject({ url })
      expect(anonymous.statusCode, url).toBe(401)
      expect(anonymous.headers['content-security-policy']).toBeUndefined()
      const signed = await off.app.inject({
        url,
        headers: { authorization: `Bearer ${off.adminToken}` },
      })
      expect(signed.statusCode, url).toBe(404)
      expect(signed.json()).toMatchObject({ code: 'ERR_NOT_FOUND' })
    }
  })
})
