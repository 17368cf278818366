import { readdirSync, readFileSync } from 'node:fs'
import { FORMAT_ERROR_CODES } from '@latch/format'
import { describe, expect, it } from 'vitest'

const root = new URL('../', import.meta.url)
const sources = readdirSync(new URL('src/', root), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .map((file) => ({ file, text: readFileSync(new URL(`src/${file}`, root), 'utf8') }))

describe('format package boundaries', () => {
  it('has no runtime dependency', () => {
    const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
    expect(manifest.dependencies ?? {}).toEqual({})
  })

  it('imports only node:crypto, node:buffer, node:stream and its own files: a pure codec without I/O', () => {
    for (const { file, text } of sources) {
      for (const [, specifier] of text.matchAll(/from '([^']+)'/g)) {
        expect(
          ['node:crypto', 'node:buffer', 'node:stream'].includes(specifier as string) ||
            specifier?.startsWith('.'),
          `${file}: ${specifier}`,
        ).toBe(true)
      }
      expect(/\b(fetch|process)\s*[.(]/.test(text), `${file} uses fetch or process`).toBe(false)
    }
  })
})

describe('error codes', () => {
  it('are exactly the codes listed in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', root), 'utf8')
    const documented = [...doc.matchAll(/`(ERR_FORMAT_[A-Z_]+)`/g)].map(([, code]) => code)
    expect(new Set(documented)).toEqual(new Set(FORMAT_ERROR_CODES))
  })
})
