import type { Browser } from 'playwright-core'
import { launchChromium } from './browser.js'
import { bundleForBrowser, servePage } from './browser-page.js'
import { launchFirefox } from './firefox.js'

/** MB/s of the baseline and of Latch in one page (see `pages/streaming-page.ts`). */
export interface BrowserStreamingFigures {
  readonly raw: number
  readonly encrypt: number
  readonly rawDecrypt: number
  readonly decrypt: number
  /** The median over the rounds of Latch's rate over the baseline's timed next to it. */
  readonly encryptRatio: number
  readonly decryptRatio: number
  /**
   * Peak JS heap plus ArrayBuffer backing stores during the run, MiB (Chromium only: CDP
   * `Runtime.getHeapUsage`; `Performance.getMetrics` leaves the backing stores out).
   */
  readonly peakHeapMiB?: number
}

const PAGE = new URL('./pages/streaming-page.js', import.meta.url)
const SOURCE_PAGE = new URL('./pages/streaming-page.ts', import.meta.url)

async function pageUrl() {
  // Bundling reads the sources (tests) or, once built, the same module compiled (the bench).
  const entry = import.meta.url.endsWith('.ts') ? SOURCE_PAGE : PAGE
  return servePage(await bundleForBrowser(entry))
}

/**
 * Runs `call` (an expression of the streaming page) in headless Chromium while sampling the JS
 * heap and ArrayBuffer stores every 50 ms over CDP; resolves to its JSON result and the peak heap.
 */
export async function inChromium(call: string): Promise<{ result: string; peakHeapMiB: number }> {
  const server = await pageUrl()
  let browser: Browser | undefined
  try {
    browser = await launchChromium()
    const page = await browser.newPage()
    await page.goto(server.url)
    const cdp = await page.context().newCDPSession(page)
    let peak = 0
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        // The JS heap and the ArrayBuffer backing stores outside it, where the bytes are.
        const usage = (await cdp.send('Runtime.getHeapUsage').catch(() => undefined)) as
          | { usedSize: number; backingStorageSize?: number }
          | undefined
        if (usage !== undefined) {
          peak = Math.max(peak, usage.usedSize + (usage.backingStorageSize ?? Number.NaN))
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    const result = String(await page.evaluate(call))
    sampling = false
    await sampler
    return { result, peakHeapMiB: peak / (1 << 20) }
  } finally {
    await browser?.close()
    await server.close()
  }
}

/** Runs `call` in headless Firefox ESR (WebDriver BiDi); resolves to its JSON result. */
export async function inFirefox(call: string): Promise<string> {
  const server = await pageUrl()
  const firefox = await launchFirefox()
  try {
    await firefox.goto(server.url)
    return String(await firefox.evaluate(call))
  } finally {
    await firefox.close()
    await server.close()
  }
}

/**
 * Measures, in one page, raw WebCrypto AES-GCM over 64 KiB segments against Latch's encrypt and
 * decrypt of a `mib` MiB Blob, `concurrency` segments in flight: best rates of `rounds`, and the
 * median of the rounds' paired ratios.
 */
export async function measureBrowserStreaming(
  browser: 'chromium' | 'firefox',
  mib: number,
  concurrency: number,
  rounds: number,
): Promise<BrowserStreamingFigures> {
  const call = `runStreaming(${mib}, ${concurrency}, ${rounds})`
  if (browser === 'firefox') return JSON.parse(await inFirefox(call)) as BrowserStreamingFigures
  const { result, peakHeapMiB } = await inChromium(call)
  return { ...(JSON.parse(result) as BrowserStreamingFigures), peakHeapMiB }
}
