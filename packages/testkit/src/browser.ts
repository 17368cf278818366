import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/** Debian's Chromium, which `.ci/run` installs with apt (Playwright cannot download browsers here). */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/**
 * Starts headless Chromium for a browser test. A missing browser is an error, never a skip: a
 * test that cannot run must fail, in CI and on a developer's machine alike.
 *
 * @returns The browser; close it in `afterAll`.
 * @throws Error naming the package to install when `/usr/bin/chromium` is not there.
 * @example
 * ```ts
 * const browser = await launchChromium()
 * const page = await (await browser.newContext()).newPage()
 * ```
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no browser at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install --no-install-recommends chromium; .ci/run does)`,
    )
  }
  // Tests run as root in CI, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] })
}
