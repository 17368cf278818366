/**
 * `npm run bench`: every figure next to a baseline measured in the same run, as ratios, because
 * this machine is shared and noisy. Sizes: BENCH_STREAM_MIB (default 256), BENCH_RSS_MIB (1024),
 * BENCH_SECONDS per rate (3), BENCH_ROUNDS (3, best of), BENCH_RELEASE_SECONDS per key-server
 * load run (10); BENCH_VERIFY_RECORDS (200,000; 0 skips the verifier). BENCH_ONLY=key-release (or a comma-separated list of streaming, small-objects,
 * peak-rss, key-release, lockdown, postgres, s3, cli-start) runs only those parts. `cli-start`:
 * `latch` start-up against `node -e 0`, BENCH_CLI_ROUNDS (15). `s3` (Ceph RGW and
 * s3rver) has its own knobs: see `s3/options.ts`. `lockdown`: BENCH_LOCKDOWN_POLICIES (1,000,000),
 * BENCH_LOCKDOWN_RECORDS in the audit log (1,000,000), BENCH_LOCKDOWN_SECONDS per load run (5).
 * `postgres`: key release on 1, 2 and 3 instances sharing one PostgreSQL, next to SQLite,
 * BENCH_RELEASE_SECONDS each. `overview` (the web console's routes): BENCH_CONSOLE_POLICIES
 * (100,000), BENCH_CONSOLE_RECORDS (1,000,000), BENCH_CONSOLE_SAMPLES (30). `custody` (opt-in):
 * start-up unseal under the local root key, PKCS#11 (SoftHSM2) and KMS (moto), with 2 and
 * BENCH_CUSTODY_KEYS (50) server keys.
 */
import { cpus } from 'node:os'
import { benchCliStart } from './cli/cli-start.js'
import { benchConsoleOverview } from './console/overview.js'
import { benchCustodyStartup } from './custody/custody-startup.js'
import { benchBrowser } from './format/browser.js'
import { benchPeakRss } from './format/peak-rss.js'
import { benchSmallObjects } from './format/small-objects.js'
import { benchStreaming } from './format/streaming.js'
import { benchKeyRelease } from './key-release/key-release.js'
import { benchKeyReleasePostgres } from './key-release/key-release-postgres.js'
import { benchLockdown } from './lockdown/lockdown.js'
import { s3BenchOptionsFromEnv } from './s3/options.js'
import { benchS3 } from './s3/s3.js'

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const only = process.env.BENCH_ONLY?.split(',').map((part) => part.trim())
const runs = (part: string) => only === undefined || only.includes(part)

const cpu = cpus()[0]?.model ?? 'unknown CPU'
process.stdout.write(
  `## Latch benchmark, ${new Date().toISOString()}\n\n${cpus().length} × ${cpu}, Node ${process.version}, OpenSSL ${process.versions.openssl}\n`,
)
if (runs('streaming')) await benchStreaming(env('BENCH_STREAM_MIB', 256), env('BENCH_ROUNDS', 3))
if (runs('small-objects')) await benchSmallObjects(env('BENCH_SECONDS', 3))
if (runs('peak-rss')) benchPeakRss(env('BENCH_RSS_MIB', 1024))
if (runs('key-release')) {
  await benchKeyRelease(env('BENCH_RELEASE_SECONDS', 10), env('BENCH_ROUNDS', 3))
}
if (runs('lockdown')) {
  await benchLockdown({
    policies: env('BENCH_LOCKDOWN_POLICIES', 1_000_000),
    auditRecords: env('BENCH_LOCKDOWN_RECORDS', 1_000_000),
    seconds: env('BENCH_LOCKDOWN_SECONDS', 5),
    rounds: env('BENCH_ROUNDS', 3),
  })
}
if (runs('overview')) {
  await benchConsoleOverview({
    policies: env('BENCH_CONSOLE_POLICIES', 100_000),
    auditRecords: env('BENCH_CONSOLE_RECORDS', 1_000_000),
    samples: env('BENCH_CONSOLE_SAMPLES', 30),
  })
}
if (runs('postgres')) await benchKeyReleasePostgres(env('BENCH_RELEASE_SECONDS', 10))
if (runs('s3')) await benchS3(s3BenchOptionsFromEnv(process.env))
if (runs('cli-start')) benchCliStart(env('BENCH_CLI_ROUNDS', 15))
// Opt-in: needs Debian's softhsm2 and a python3 with moto (the machine's, or a venv it makes).
if (only?.includes('custody')) {
  await benchCustodyStartup(env('BENCH_CUSTODY_KEYS', 50), env('BENCH_ROUNDS', 3))
}
if (only?.includes('browser')) {
  await benchBrowser(
    env('BENCH_BROWSER_MIB', 128),
    env('BENCH_BROWSER_CONCURRENCY', 8),
    env('BENCH_ROUNDS', 3),
  )
}
