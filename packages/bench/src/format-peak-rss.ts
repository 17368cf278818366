import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { printTable } from './report.js'

/**
 * Peak RSS of a child process that streams `megabytes` MiB from a generator through
 * createEncryptTransform to a file, then from that file through createDecryptTransform to a hash,
 * next to the same child doing the same without encryption.
 */
export function benchPeakRss(megabytes: number): void {
  process.stderr.write(`peak RSS, ${megabytes} MiB …\n`)
  const child = fileURLToPath(new URL('./peak-rss-child.js', import.meta.url))
  const run = (mode: string) => {
    const result = spawnSync(process.execPath, [child, mode, String(megabytes)], {
      encoding: 'utf8',
    })
    if (result.status !== 0) throw new Error(`peak RSS child failed: ${result.stderr}`)
    return JSON.parse(result.stdout) as { maxRssMiB: number; seconds: number }
  }
  const plain = run('plain')
  const latch = run('latch')
  printTable(
    `Peak RSS, ${megabytes} MiB through encrypt to a file and decrypt back (child process)`,
    [
      {
        what: 'same pipeline without encryption (baseline)',
        value: plain.maxRssMiB,
        unit: 'MiB',
        ratio: 1,
      },
      {
        what: 'Latch encrypt then decrypt',
        value: latch.maxRssMiB,
        unit: 'MiB',
        ratio: latch.maxRssMiB / plain.maxRssMiB,
        goal: '< 100 MiB',
      },
    ],
  )
}
