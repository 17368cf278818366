import { inChromium, measureBrowserStreaming } from '@latch/testkit/browser-streaming'
import { printTable, type Row } from '../shared/report.js'

/**
 * `BENCH_ONLY=browser`: in one page of headless Chromium (and Firefox ESR), raw WebCrypto
 * AES-256-GCM over 64 KiB segments (the baseline, same concurrency) against Latch's encrypt and
 * decrypt of a Blob through `@latch/format/web`, and Chromium's peak JS heap (plus ArrayBuffers)
 * over the run and over a 1 GiB round trip from a stream (a 1 GiB Blob is more than headless
 * Chromium's Blob store takes: 256 MiB of source and object already fail, so the rates use `mib`,
 * 128 by default).
 */
export async function benchBrowser(
  mib: number,
  concurrency: number,
  rounds: number,
): Promise<void> {
  const gib = await inChromium(`roundTrip(1024, ${concurrency})`)
  printTable('Browser streaming, chromium: 1 GiB encrypt + decrypt round trip from a stream', [
    {
      what: 'peak JS heap + ArrayBuffers of the CDP samples',
      value: gib.peakHeapMiB,
      unit: 'MiB',
      goal: '< 200 MiB',
    },
    { what: 'renderer RSS, page loaded (baseline)', value: gib.rendererStartRssMiB, unit: 'MiB' },
    {
      what: 'renderer peak RSS over the run',
      value: gib.rendererPeakRssMiB,
      unit: 'MiB',
      ratio: gib.rendererPeakRssMiB / gib.rendererStartRssMiB,
    },
  ])
  for (const browser of ['chromium', 'firefox'] as const) {
    const figures = await measureBrowserStreaming(browser, mib, concurrency, rounds)
    const rows: Row[] = [
      { what: 'raw AES-GCM encrypt, 64 KiB segments (baseline)', value: figures.raw, unit: 'MB/s' },
      {
        what: 'Latch encrypt (Blob → stream)',
        value: figures.encrypt,
        unit: 'MB/s',
        ratio: figures.encrypt / figures.raw,
      },
      {
        what: 'Latch encrypt / baseline, median of paired rounds',
        value: figures.encryptRatio,
        unit: '×',
        goal: '≥ 0.9×',
      },
      {
        what: 'baseline CPU / Latch encrypt CPU, median of paired rounds',
        value: figures.encryptCpuRatio,
        unit: '×',
      },
      {
        what: 'raw AES-GCM over 65,552-byte segments (decrypt baseline)',
        value: figures.rawDecrypt,
        unit: 'MB/s',
      },
      {
        what: 'Latch decrypt (Blob → stream)',
        value: figures.decrypt,
        unit: 'MB/s',
        ratio: figures.decrypt / figures.rawDecrypt,
      },
      {
        what: 'Latch decrypt / baseline, median of paired rounds',
        value: figures.decryptRatio,
        unit: '×',
        goal: '≥ 0.9×',
      },
      {
        what: 'baseline CPU / Latch decrypt CPU, median of paired rounds',
        value: figures.decryptCpuRatio,
        unit: '×',
      },
    ]
    if (figures.peakHeapMiB !== undefined) {
      rows.push({
        what: `peak JS heap + ArrayBuffers of the CDP samples (${mib} MiB Blobs held)`,
        value: figures.peakHeapMiB,
        unit: 'MiB',
      })
    }
    if (figures.rendererPeakRssMiB !== undefined) {
      rows.push({
        what: 'renderer peak RSS over the runs',
        value: figures.rendererPeakRssMiB,
        unit: 'MiB',
      })
    }
    printTable(
      `Browser streaming, ${browser}: ${mib} MiB, ${concurrency} segments in flight, ${rounds} rounds (rates: best)`,
      rows,
    )
  }
}
