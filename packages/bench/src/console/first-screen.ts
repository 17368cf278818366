import { launchChromium } from '@latch/testkit/browser'
import { median } from '../shared/measure.js'
import type { Row } from '../shared/report.js'

/**
 * The console's first screen as a person sees it: headless Chromium opens `/console/` in a fresh
 * context (no cache, signed in through the tab's session like a reload after sign-in) and the time
 * runs until the overview shows its count of active files, the bundle, `GET /v1/me` and
 * `GET /v1/overview` included. The baseline is a navigation to `/healthz` in a fresh context of the
 * same browser, alternated with it.
 *
 * @param url - the running key server, its console on.
 * @param token - a token whose overview covers the filled store (an admin's).
 * @param samples - timed loads; the medians are reported.
 * @returns Two rows: the baseline and the first screen with its ratio.
 * @throws Error when Chromium is missing or the overview never shows a count.
 */
export async function benchConsoleFirstScreen(
  url: string,
  token: string,
  samples: number,
): Promise<Row[]> {
  const browser = await launchChromium()
  try {
    const session = JSON.stringify({ token, via: 'token' })
    const load = async (path: string, ready?: string): Promise<number> => {
      const context = await browser.newContext()
      try {
        // A script string: this package has no DOM types.
        await context.addInitScript({
          content: `sessionStorage.setItem('latch.session', ${JSON.stringify(session)})`,
        })
        const page = await context.newPage()
        const started = performance.now()
        await page.goto(`${url}${path}`)
        if (ready !== undefined) {
          await page.locator(ready).filter({ hasText: /\d/ }).waitFor({ timeout: 30_000 })
        }
        return performance.now() - started
      } finally {
        await context.close()
      }
    }
    const screen = () => load('/console/', '[data-testid="count-active"]')
    await screen()
    await load('/healthz')
    const base: number[] = []
    const times: number[] = []
    const ratios: number[] = []
    for (let i = 0; i < samples; i++) {
      const b = await load('/healthz')
      const t = await screen()
      base.push(b)
      times.push(t)
      ratios.push(t / b)
    }
    return [
      {
        what: 'Chromium: `/healthz` in a fresh context (baseline)',
        value: median(base),
        unit: 'ms',
        ratio: 1,
      },
      {
        what: 'Chromium: `/console/` in a fresh context until the overview shows its counts',
        value: median(times),
        unit: 'ms',
        ratio: median(ratios),
        goal: '< 1 s',
      },
    ]
  } finally {
    await browser.close()
  }
}
