import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// Arrows point inward (docs/ARCHITECTURE.md). format ← client ← s3 ← cli, format ← server ← cli,
// protocol ← client, server, cli, console; audit ← server, cli; the console talks HTTP to the server,
// which serves its built files; the server never imports the client side, the protocol imports
// typebox only and audit nothing but node:*. Checked on every package.json and every import in src/.

const packages = new URL('../../', import.meta.url)
const allowed: Record<string, string[]> = {
  format: [],
  protocol: [],
  audit: [],
  testkit: ['@latch/format'],
  client: ['@latch/format', '@latch/protocol'],
  s3: ['@latch/format', '@latch/client'],
  // The server serves the console's built files (no code of it runs in the server).
  server: ['@latch/format', '@latch/protocol', '@latch/audit', '@latch/console'],
  // Browser-only: the web builds of format and client, the protocol's types; fetch to app and S3.
  browser: ['@latch/format', '@latch/protocol', '@latch/client'],
  // The console is a browser app: it reaches the server over HTTP only, typed by the protocol.
  console: ['@latch/protocol'],
  cli: [
    '@latch/format',
    '@latch/protocol',
    '@latch/audit',
    '@latch/client',
    '@latch/s3',
    '@latch/server',
  ],
  // The benchmark stands up the real parts it measures (a key server, a Ceph gateway).
  bench: [
    '@latch/format',
    '@latch/protocol',
    '@latch/audit',
    '@latch/client',
    '@latch/s3',
    '@latch/server',
    '@latch/testkit',
  ],
}
// Tests may stand up the real parts they talk to (a key server, a Ceph gateway); src may not.
const testOnly = ['@latch/server', '@latch/testkit']
// The browser package's tests play the app's backend too (presigning with @latch/s3).
const devOnly: Record<string, string[]> = { browser: ['@latch/s3'] }

describe('workspace arrows', () => {
  for (const name of readdirSync(packages)) {
    it(`${name} depends only on the packages it may`, () => {
      const manifest = JSON.parse(readFileSync(new URL(`${name}/package.json`, packages), 'utf8'))
      const may = allowed[name]
      expect(may, `unknown package ${name}`).toBeDefined()
      const internal = (deps: Record<string, string> = {}) =>
        Object.keys(deps).filter((d) => d.startsWith('@latch/'))
      for (const dep of internal({ ...manifest.dependencies, ...manifest.peerDependencies })) {
        expect(may, `${name} → ${dep}`).toContain(dep)
      }
      for (const dep of internal(manifest.devDependencies)) {
        expect(
          [...(may ?? []), ...testOnly, ...(devOnly[name] ?? [])],
          `${name} → ${dep} (dev)`,
        ).toContain(dep)
      }
      const sources = readdirSync(new URL(`${name}/src/`, packages), {
        recursive: true,
        encoding: 'utf8',
      }).filter((f) => /\.tsx?$/.test(f))
      for (const file of sources) {
        const text = readFileSync(new URL(`${name}/src/${file}`, packages), 'utf8')
        for (const [, specifier] of text.matchAll(/^import[^']*'(@latch\/[^'/]+)/gm)) {
          expect(may, `${name}/src/${file} imports ${specifier}`).toContain(specifier)
        }
        for (const [, specifier] of text.matchAll(/import\('(@latch\/[^'/]+)/g)) {
          expect(may, `${name}/src/${file} imports ${specifier}`).toContain(specifier)
        }
      }
    })
  }
})

// The HTTP contract is for browsers and other clients too: typebox alone (which has no dependency of
// its own), and no Node API.
describe('@latch/protocol', () => {
  it('depends on typebox only and imports nothing else, Node included', () => {
    const manifest = JSON.parse(readFileSync(new URL('protocol/package.json', packages), 'utf8'))
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['typebox'])
    expect(manifest.peerDependencies).toBeUndefined()
    const sources = readdirSync(new URL('protocol/src/', packages), {
      recursive: true,
      encoding: 'utf8',
    }).filter((f) => f.endsWith('.ts'))
    expect(sources.length).toBeGreaterThan(0)
    for (const file of sources) {
      const text = readFileSync(new URL(`protocol/src/${file}`, packages), 'utf8')
      for (const [, specifier] of text.matchAll(/(?:^import|^export)[^']*from '([^']+)'/gm)) {
        expect(specifier, `protocol/src/${file}`).toMatch(/^(typebox(\/.*)?|\.\.?\/.*)$/)
      }
      expect(text, `protocol/src/${file}`).not.toMatch(/\bBuffer\.|\bprocess\.|\brequire\(|'node:/)
    }
  })
})

// An auditor verifies an export with the audit package alone: no other package, no npm
// dependency, nothing but Node's own modules.
describe('audit depends on node:* only', () => {
  it('declares no dependency and imports only node:* and its own files', () => {
    const manifest = JSON.parse(readFileSync(new URL('audit/package.json', packages), 'utf8'))
    expect(manifest.dependencies ?? {}).toEqual({})
    expect(manifest.peerDependencies ?? {}).toEqual({})
    const sources = readdirSync(new URL('audit/src/', packages), {
      recursive: true,
      encoding: 'utf8',
    }).filter((f) => f.endsWith('.ts'))
    expect(sources.length).toBeGreaterThan(0)
    for (const file of sources) {
      const text = readFileSync(new URL(`audit/src/${file}`, packages), 'utf8')
      const specifiers = [
        ...text.matchAll(/^(?:import|export)[^'\n]*?(?:\n[^'\n]*?)*? from '([^']+)'/gm),
        ...text.matchAll(/import\('([^']+)'\)/g),
      ].map(([, specifier]) => specifier as string)
      for (const specifier of specifiers) {
        expect(
          specifier.startsWith('node:') ||
            specifier.startsWith('./') ||
            specifier.startsWith('../'),
          `audit/src/${file} imports ${specifier}`,
        ).toBe(true)
      }
    }
  })
})
