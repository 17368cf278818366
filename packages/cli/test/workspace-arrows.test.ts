import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// HS-1: arrows point inward. format ← client ← cli, format ← server, cli → server; the server
// never imports the client. Checked on every package.json and every import in src/.

const packages = new URL('../../', import.meta.url)
const allowed: Record<string, string[]> = {
  format: [],
  testkit: ['@latch/format'],
  client: ['@latch/format'],
  s3: ['@latch/format', '@latch/client'],
  server: ['@latch/format'],
  cli: ['@latch/format', '@latch/client', '@latch/s3', '@latch/server'],
  bench: ['@latch/format', '@latch/client', '@latch/s3', '@latch/server'],
}
// Tests may stand up the real parts they talk to (a key server, a Ceph gateway), never src.
const testOnly = ['@latch/server', '@latch/testkit']

describe('workspace arrows (HS-1)', () => {
  for (const name of readdirSync(packages)) {
    it(`${name} depends only on the packages it may`, () => {
      const manifest = JSON.parse(readFileSync(new URL(`${name}/package.json`, packages), 'utf8'))
      const internal = Object.keys({
        ...manifest.dependencies,
        ...manifest.devDependencies,
      }).filter((d) => d.startsWith('@latch/'))
      expect(allowed[name], `unknown package ${name}`).toBeDefined()
      for (const dep of internal) expect(allowed[name], `${name} → ${dep}`).toContain(dep)
      const sources = readdirSync(new URL(`${name}/src/`, packages), {
        recursive: true,
        encoding: 'utf8',
      }).filter((f) => f.endsWith('.ts'))
      for (const file of sources) {
        const text = readFileSync(new URL(`${name}/src/${file}`, packages), 'utf8')
        for (const [, specifier] of text.matchAll(/from '(@latch\/[^'/]+)/g)) {
          expect(allowed[name], `${name}/src/${file} imports ${specifier}`).toContain(specifier)
        }
      }
    })
  }
})
