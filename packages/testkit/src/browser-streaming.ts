import { readdirSync, readFileSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { launchChromium } from './browser.js'
import { bundleForBrowser, servePage } from './browser-page.js'
import { launchFirefox } from './firefox.js'

/** MB/s of the baseline and of Latch in one page (see `pages/streaming-page.ts`). */
export interface BrowserStreamingFigures {
  /** Best MB/s of each over the rounds. */
  readonly raw: number
  readonly encrypt: number
  readonly rawDecrypt: number
  readonly decrypt: number
  /** The median over the rounds of Latch's MB/s over the baseline's, timed back to back. */
  readonly encryptRatio: number
  readonly decryptRatio: number
  /**
   * The median over the rounds of the baseline's CPU time over Latch's for the same bytes (every
   * process of the browser, from `/proc`): the throughput ratio when the CPU is the limit, and
   * steady on a machine whose other load swings the wall-clock rates.
   */
  readonly encryptCpuRatio: number
  readonly decryptCpuRatio: number
  /**
   * Peak JS heap plus ArrayBuffer backing stores during the run, MiB (Chromium only: CDP
   * `Runtime.getHeapUsage`; `Performance.getMetrics` leaves the backing stores out).
   */
  readonly peakHeapMiB?: number
  /** Peak RSS of Chromium's renderer (the page's process) over its life, MiB (Chromium only). */
  readonly rendererPeakRssMiB?: number
  /** Its RSS with the page loaded, before the run, MiB (Chromium only). */
  readonly rendererStartRssMiB?: number
}

/** What a Chromium run measured of memory (see {@link BrowserStreamingFigures}). */
export interface BrowserMemory {
  /**
   * Peak of the CDP samples of JS heap plus ArrayBuffers, MiB. A busy page answers them only
   * between tasks, so in a run that keeps the page busy this is mostly the heap when it ends.
   */
  readonly peakHeapMiB: number
  readonly rendererStartRssMiB: number
  readonly rendererPeakRssMiB: number
}

const PAGE = new URL('./pages/streaming-page.js', import.meta.url)
const SOURCE_PAGE = new URL('./pages/streaming-page.ts', import.meta.url)

async function pageUrl() {
  // Bundling reads the sources (tests) or, once built, the same module compiled (the bench).
  const entry = import.meta.url.endsWith('.ts') ? SOURCE_PAGE : PAGE
  return servePage(await bundleForBrowser(entry))
}

/**
 * Runs `work` against the streaming page in headless Chromium while sampling the JS heap and
 * ArrayBuffer stores every 50 ms over CDP; resolves to its result and the peak heap.
 */
async function withChromium<T>(
  work: (evaluate: (call: string) => Promise<unknown>) => Promise<T>,
): Promise<{ result: T } & BrowserMemory> {
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
    const rendererStartRssMiB = rendererPeakRssMiB('VmRSS')
    let result: T
    try {
      result = await work((call) => page.evaluate(call))
    } finally {
      // The last sample is answered once the page is idle: count it before reading the peak.
      sampling = false
      await sampler
    }
    return {
      result,
      peakHeapMiB: peak / (1 << 20),
      rendererStartRssMiB,
      rendererPeakRssMiB: rendererPeakRssMiB(),
    }
  } finally {
    await browser?.close()
    await server.close()
  }
}

/**
 * Runs `call` (an expression of the streaming page) in headless Chromium while sampling the JS
 * heap and ArrayBuffer stores every 50 ms over CDP; resolves to its JSON result and the peak heap.
 */
export async function inChromium(call: string): Promise<{ result: string } & BrowserMemory> {
  const { result, ...memory } = await withChromium((evaluate) => evaluate(call))
  return { result: String(result), ...memory }
}

async function withFirefox<T>(
  work: (evaluate: (call: string) => Promise<unknown>) => Promise<T>,
): Promise<T> {
  const server = await pageUrl()
  const firefox = await launchFirefox()
  try {
    await firefox.goto(server.url)
    return await work((call) => firefox.evaluate(call))
  } finally {
    await firefox.close()
    await server.close()
  }
}

/** Runs `call` in headless Firefox ESR (WebDriver BiDi); resolves to its JSON result. */
export async function inFirefox(call: string): Promise<string> {
  return String(await withFirefox((evaluate) => evaluate(call)))
}

/** The ids of every live process below this one: the browser and its helpers. */
function descendants(): number[] {
  const parents = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // Fields after the command name, which sits in parentheses: ppid is the second.
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // The process ended while the table was read.
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === process.pid) return true
    }
    return false
  }
  return [...parents.keys()].filter(below)
}

/**
 * CPU seconds (user + system) of every live process below this one: the browser and all its
 * helpers (renderer, network, GPU, …). Linux `/proc`; clock ticks of 10 ms.
 */
function browserCpuSeconds(): number {
  let total = 0
  for (const pid of descendants()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // utime and stime are fields 14 and 15, the 12th and 13th after the command name.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      total += Number(fields[11]) + Number(fields[12])
    } catch {
      // The process ended meanwhile.
    }
  }
  return total / 100
}

/**
 * Peak RSS (`VmHWM`, or the current `VmRSS`) of the largest renderer process below this one, MiB:
 * kept by the kernel, so it covers the whole run even while the page is too busy to answer CDP.
 */
function rendererPeakRssMiB(field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  let peak = 0
  for (const pid of descendants()) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      const kiB = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]
      peak = Math.max(peak, Number(kiB ?? 0) / 1024)
    } catch {
      // The process ended while it was read.
    }
  }
  return peak
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/**
 * Measures, in one page, raw WebCrypto AES-GCM over 64 KiB segments against Latch's encrypt and
 * decrypt of a `mib` MiB Blob, `concurrency` segments in flight, over `rounds` rounds. Each round
 * runs the baseline and Latch back to back, in alternating order, and reads the browser's CPU time
 * around each run: best rates, and the median of the rounds' wall-clock and CPU ratios.
 */
export async function measureBrowserStreaming(
  browser: 'chromium' | 'firefox',
  mib: number,
  concurrency: number,
  rounds: number,
): Promise<BrowserStreamingFigures> {
  const work = async (evaluate: (call: string) => Promise<unknown>) => {
    await evaluate(`prepareStreaming(${mib}, ${concurrency})`)
    const megabytes = (mib * (1 << 20)) / 1e6
    const best = { raw: 0, encrypt: 0, rawDecrypt: 0, decrypt: 0 }
    const ratios = { encrypt: [] as number[], decrypt: [] as number[] }
    const cpuRatios = { encrypt: [] as number[], decrypt: [] as number[] }
    const time = async (kind: keyof typeof best) => {
      await evaluate('readyStreaming()')
      const cpu = browserCpuSeconds()
      const ms = Number(await evaluate(`timeStreaming('${kind}')`))
      const rate = megabytes / (ms / 1000)
      best[kind] = Math.max(best[kind], rate)
      return { rate, cpu: browserCpuSeconds() - cpu }
    }
    for (let round = 0; round < rounds; round++) {
      for (const [base, latch] of [
        ['raw', 'encrypt'],
        ['rawDecrypt', 'decrypt'],
      ] as const) {
        const first = round % 2 === 0
        const a = await time(first ? base : latch)
        const b = await time(first ? latch : base)
        const [baseRun, latchRun] = first ? [a, b] : [b, a]
        ratios[latch].push(latchRun.rate / baseRun.rate)
        cpuRatios[latch].push(baseRun.cpu / latchRun.cpu)
      }
    }
    return {
      ...best,
      encryptRatio: median(ratios.encrypt),
      decryptRatio: median(ratios.decrypt),
      encryptCpuRatio: median(cpuRatios.encrypt),
      decryptCpuRatio: median(cpuRatios.decrypt),
    }
  }
  if (browser === 'firefox') return withFirefox(work)
  const { result, ...memory } = await withChromium(work)
  return { ...result, ...memory }
}
