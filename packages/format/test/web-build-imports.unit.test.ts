import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Everything the web entries reach, following relative imports from the sources: a browser has
// no `node:*` and no `Buffer`, so one such import anywhere in the graph breaks the page.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src')

function reachable(entry: string): Map<string, string> {
  const seen = new Map<string, string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    const text = readFileSync(file, 'utf8')
    seen.set(file, text)
    for (const [, spec] of text.matchAll(/from '([^']+)'/g)) {
      if (spec?.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
    }
  }
  visit(resolve(SRC, entry))
  return seen
}

describe('the web build', () => {
  for (const entry of ['web/index.ts', 'web/testing.ts']) {
    it(`${entry} reaches no node:* module and no Buffer`, () => {
      const files = reachable(entry)
      expect(files.size).toBeGreaterThan(10)
      for (const [file, text] of files) {
        const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
        expect({ file, node: /from '(node:|[a-z@])/.test(code) }).toEqual({ file, node: false })
        expect({ file, buffer: /\bBuffer\b/.test(code) }).toEqual({ file, buffer: false })
      }
    })
  }
})
