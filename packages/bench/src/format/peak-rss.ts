import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ENCRYPTED_SEGMENT_SIZE } from '@latch/format'
import { printTable } from '../shared/report.js'

/**
 * Peak RSS of a child process that streams `megabytes` MiB from a generator through
 * createEncryptTransform to a file, then from that file through createDecryptTransform to a hash,
 * next to the same child doing the same without encryption.
 */
export function benchPeakRss(megabytes: number): void {
  process.stderr.write(`peak RSS, ${megabytes} MiB …\n`)
  const child = fileURLToPath(new URL('./peak-rss-child.js', import.meta.url))
  const run = (mode: string, readChunk = 65_536) => {
    const args = [child, mode, String(megabytes), String(readChunk)]
    const result = spawnSync(process.execPath, args, { encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`peak RSS child failed: ${result.stderr}`)
    return (JSON.parse(result.stdout) as { maxRssMiB: number }).maxRssMiB
  }
  const plain = run('plain')
  const aligned = run('latch', ENCRYPTED_SEGMENT_SIZE)
  const unaligned = run('latch')
  printTable(
    `Peak RSS, ${megabytes} MiB through encrypt to a file and decrypt back (child process)`,
    [
      { what: 'same pipeline without encryption (baseline)', value: plain, unit: 'MiB', ratio: 1 },
      {
        what: 'Latch, the file read in 65,552-byte chunks (one segment each)',
        value: aligned,
        unit: 'MiB',
        ratio: aligned / plain,
        goal: '< 100 MiB',
      },
      {
        what: 'Latch, the file read in 64 KiB chunks (segments split across reads)',
        value: unaligned,
        unit: 'MiB',
        ratio: unaligned / plain,
      },
    ],
  )
}
