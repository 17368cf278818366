import { writeFileSync } from 'node:fs'
import { it } from 'vitest'
import { buildTestApp } from './helpers/test-app.js'
it('dumps', async () => {
  const t = await buildTestApp()
  writeFileSync(process.env.OUT ?? '/tmp/i12/openapi-before.json', JSON.stringify((await t.app.inject('/openapi.json')).json(), null, 2))
  await t.close()
})
