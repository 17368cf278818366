import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import config from '../../../vitest.config.js'

// A test file is `<subject>.<tier>.test.ts`, with a hyphenated subject and the tier that picks its
// vitest project: `unit` (no I/O beyond temporary files), `integration` (PostgreSQL and the Ceph
// S3 gateway) or `e2e` (the built `latch`). Each project includes only its own tier, so a file
// named otherwise would run in none of them: this test fails on it instead. The worked examples
// (examples/NAME) hold their tests the same way.

const TIERS = ['unit', 'integration', 'e2e'] as const
const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*\.(?:unit|integration|e2e)\.test\.ts$/
const ROOTS = ['packages', 'examples'] as const
const repository = new URL('../../../', import.meta.url)

/** Every `*.test.ts` of the packages and examples, as `NAME/PATH`, outside node_modules and dist. */
function testFiles(): string[] {
  return ROOTS.flatMap((root) => {
    const folder = new URL(`${root}/`, repository)
    return readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) =>
        readdirSync(new URL(`${entry.name}/`, folder), { recursive: true, encoding: 'utf8' })
          .filter((file) => file.endsWith('.test.ts'))
          .filter((file) => !/(^|\/)(node_modules|dist)\//.test(file))
          .map((file) => `${entry.name}/${file}`),
      )
  })
}

describe('test file names', () => {
  it('finds the test files', () => {
    expect(testFiles().length).toBeGreaterThan(50)
  })

  it('names every test file <subject>.<tier>.test.ts, under PACKAGE/test/', () => {
    const wrong = testFiles().filter((path) => {
      const [, folder, ...rest] = path.split('/')
      return folder !== 'test' || !NAME.test(rest.at(-1) ?? '')
    })
    expect(wrong).toEqual([])
  })

  it('gives each tier one vitest project that includes exactly that tier', () => {
    const projects = (config.test?.projects ?? []).map((project) => {
      const test = (project as { test?: { name?: unknown; include?: unknown; exclude?: unknown } })
        .test
      return { name: test?.name, include: test?.include, exclude: test?.exclude }
    })
    expect(projects).toEqual(
      TIERS.map((tier) => ({
        name: tier,
        include: ROOTS.map((root) => `${root}/*/test/**/*.${tier}.test.ts`),
        exclude: undefined,
      })),
    )
  })
})
