import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { DeleteObjectCommand } from '@aws-sdk/client-s3'
import { printTable } from '../shared/report.js'
import type { S3BenchContext } from './context.js'

const MIB = 1024 * 1024

/**
 * Peak RSS (`VmHWM`) of a child process that puts one `megabytes` MiB object made on the fly, and
 * of another that gets it and reads it to the end: encrypted (`putObject`/`getObject`) next to
 * plain (lib-storage `Upload`/`GetObject`), with the same part and queue sizes.
 *
 * @throws Error when a child fails.
 */
export async function benchS3PeakRss(context: S3BenchContext, megabytes: number): Promise<void> {
  const { endpoint, bucket, partSize, queueSize } = context
  process.stderr.write(`S3 ${endpoint.name}: peak RSS, ${megabytes} MiB …\n`)
  const child = fileURLToPath(new URL('./peak-rss-child.js', import.meta.url))
  const env = { ...process.env, ...endpoint.env, ...context.keyServerEnv }
  const run = (mode: 'latch' | 'plain', op: 'put' | 'get') => {
    const key = `rss-${mode}`
    const args = [
      child,
      mode,
      op,
      bucket,
      key,
      String(megabytes),
      String(partSize),
      String(queueSize),
    ]
    const result = spawnSync(process.execPath, args, { encoding: 'utf8', env })
    if (result.status !== 0)
      throw new Error(`S3 peak RSS child ${mode} ${op} failed: ${result.stderr}`)
    return JSON.parse(result.stdout) as { maxRssMiB: number; seconds: number }
  }
  const plainPut = run('plain', 'put')
  const latchPut = run('latch', 'put')
  const plainGet = run('plain', 'get')
  const latchGet = run('latch', 'get')
  for (const key of ['rss-plain', 'rss-latch']) {
    await endpoint.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
  }
  const row = (
    what: string,
    r: { maxRssMiB: number },
    base: { maxRssMiB: number },
    goal?: string,
  ) => ({
    what,
    value: r.maxRssMiB,
    unit: 'MiB',
    ratio: r.maxRssMiB / base.maxRssMiB,
    ...(goal === undefined ? {} : { goal }),
  })
  printTable(
    `${endpoint.name}: peak RSS of a child process moving one ${megabytes} MiB object (${partSize / MIB} MiB parts, ${queueSize} at once)`,
    [
      row('plain put, lib-storage Upload (baseline)', plainPut, plainPut),
      row('Latch putObject, streamed body', latchPut, plainPut, '≤ 200 MiB'),
      row('plain get, one GetObject stream (baseline)', plainGet, plainGet),
      row('Latch getObject, read to the end', latchGet, plainGet, '≤ 200 MiB'),
    ],
  )
}
