import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderConfigurationDoc } from '../src/config/render-configuration-doc.js'

describe('docs/CONFIGURATION.md', () => {
  it('is generated from the defaults (run npm run docs after changing them)', () => {
    const committed = readFileSync(
      new URL('../../../docs/CONFIGURATION.md', import.meta.url),
      'utf8',
    )
    // Biome aligns the table columns; compare with the padding taken out.
    const plain = (text: string) => text.replaceAll(/ {2,}/g, ' ').replaceAll(/-{3,}/g, '---')
    expect(plain(committed)).toBe(plain(renderConfigurationDoc()))
  })
})
