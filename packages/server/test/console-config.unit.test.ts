import { afterEach, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// GET /console/config.json without OIDC: public, and null. (With an issuer: the integration test
// console-config.integration.test.ts, which runs a real provider.)

let t: TestApp | undefined
afterEach(async () => {
  await t?.close()
})

it('answers {oidc: null} to anyone, without a token, when the server has no OIDC issuer', async () => {
  t = await buildTestApp({ consoleOidcClientId: 'latch-console' })
  const answer = await t.app.inject('/console/config.json')
  expect(answer.statusCode).toBe(200)
  expect(answer.json()).toEqual({ oidc: null })
  const openapi = (await t.app.inject('/openapi.json')).json() as { paths: object }
  expect(Object.keys(openapi.paths)).not.toContain('/console/config.json')
})
