/**
 * `npm run bench`: every figure next to a baseline measured in the same run, as ratios, because
 * this machine is shared and noisy. Sizes: BENCH_STREAM_MIB (default 256), BENCH_RSS_MIB (1024),
 * BENCH_SECONDS per rate (3), BENCH_ROUNDS (3, best of).
 */
import { cpus } from 'node:os'
import { benchPeakRss } from './format-peak-rss.js'
import { benchSmallObjects } from './format-small-objects.js'
import { benchStreaming } from './format-streaming.js'

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)

const cpu = cpus()[0]?.model ?? 'unknown CPU'
process.stdout.write(
  `## Latch benchmark, ${new Date().toISOString()}\n\n${cpus().length} × ${cpu}, Node ${process.version}, OpenSSL ${process.versions.openssl}\n`,
)
await benchStreaming(env('BENCH_STREAM_MIB', 256), env('BENCH_ROUNDS', 3))
await benchSmallObjects(env('BENCH_SECONDS', 3))
benchPeakRss(env('BENCH_RSS_MIB', 1024))
