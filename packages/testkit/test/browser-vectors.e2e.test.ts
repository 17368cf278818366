import { readdirSync } from 'node:fs'
import { VECTORS_DIR } from '@latch/testkit'
import { launchChromium } from '@latch/testkit/browser'
import { bundleForBrowser, type PageServer, servePage } from '@latch/testkit/browser-page'
import { launchFirefox } from '@latch/testkit/firefox'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Every committed vector (known-answer and negative) through the web build of @latch/format in
// Debian's Chromium (Playwright) and Firefox ESR (WebDriver BiDi). Vectors of more than 16 MiB
// of plaintext (the 4 GiB one) run only with SLOW=1, to keep the suite fast.
const large = process.env.SLOW === '1'
const list = (folder: string) =>
  readdirSync(new URL(`${folder}/`, VECTORS_DIR)).filter((file) => file.endsWith('.json'))
const call = `runVectors(${JSON.stringify(list('known-answer'))}, ${JSON.stringify(list('negative'))}, ${large})`

interface Report {
  readonly ran: number
  readonly skipped: string[]
  readonly failures: string[]
  readonly userAgent: string
  readonly slowest: [string, number][]
}

let server: PageServer
beforeAll(async () => {
  const bundle = await bundleForBrowser(new URL('../src/pages/vectors-page.ts', import.meta.url))
  server = await servePage(bundle, VECTORS_DIR)
})
afterAll(() => server?.close())

describe('committed vectors in browsers', () => {
  it('pass in Chromium', async () => {
    let browser: Browser | undefined
    try {
      browser = await launchChromium()
      const page = await browser.newPage()
      await page.goto(server.url)
      const report = JSON.parse(await page.evaluate(call)) as Report
      expect(report.userAgent).toContain('Chrome/')
      expect(report.failures).toEqual([])
      expect(report.ran).toBe(
        list('known-answer').length + list('negative').length - report.skipped.length,
      )
    } finally {
      await browser?.close()
    }
  }, 600_000)

  it('pass in Firefox ESR', async () => {
    const firefox = await launchFirefox()
    try {
      await firefox.goto(server.url)
      const report = JSON.parse(String(await firefox.evaluate(call))) as Report
      expect(report.userAgent).toContain('Firefox/')
      expect(report.failures).toEqual([])
      expect(report.ran).toBe(
        list('known-answer').length + list('negative').length - report.skipped.length,
      )
    } finally {
      await firefox.close()
    }
  }, 600_000)
})
