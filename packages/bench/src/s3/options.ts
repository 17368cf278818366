/** What the S3 benchmark runs, and how big. */
export interface S3BenchOptions {
  /** Object sizes for put and get, in MiB. */
  readonly sizesMiB: readonly number[]
  /** The object size of the peak-RSS children, in MiB. */
  readonly rssMiB: number
  /** Seconds per timed run of the 1 KiB rates. */
  readonly seconds: number
  /** Alternating rounds (medians are reported). */
  readonly rounds: number
  /** 1 KiB operations in flight at once, besides one at a time. */
  readonly concurrency: number
  /** Bytes per S3 part, and parts in flight, for both the encrypted and the plain uploads. */
  readonly partSize: number
  readonly queueSize: number
  /** `ceph` and/or `s3rver`. */
  readonly servers: readonly string[]
  /** `transfer`, `rss` and/or `small`. */
  readonly parts: readonly string[]
}

/**
 * Reads the S3 benchmark's knobs: BENCH_S3_MIB (comma-separated sizes, default `256,1024`),
 * BENCH_S3_RSS_MIB (default the largest size), BENCH_SECONDS (3), BENCH_ROUNDS (3),
 * BENCH_S3_CONCURRENCY (16), BENCH_S3_PART_MIB (8) and BENCH_S3_QUEUE (4), the defaults of
 * `EncryptedUpload`; BENCH_S3_SERVERS (`ceph,s3rver`) and BENCH_S3_PARTS (`transfer,rss,small`).
 */
export function s3BenchOptionsFromEnv(env: Record<string, string | undefined>): S3BenchOptions {
  const list = (name: string, fallback: string) =>
    (env[name] ?? fallback).split(',').map((part) => part.trim())
  const number = (name: string, fallback: number) => Number(env[name] ?? fallback)
  const sizesMiB = list('BENCH_S3_MIB', '256,1024').map(Number)
  return {
    sizesMiB,
    rssMiB: number('BENCH_S3_RSS_MIB', Math.max(...sizesMiB)),
    seconds: number('BENCH_SECONDS', 3),
    rounds: number('BENCH_ROUNDS', 3),
    concurrency: number('BENCH_S3_CONCURRENCY', 16),
    partSize: number('BENCH_S3_PART_MIB', 8) * 1024 * 1024,
    queueSize: number('BENCH_S3_QUEUE', 4),
    servers: list('BENCH_S3_SERVERS', 'ceph,s3rver'),
    parts: list('BENCH_S3_PARTS', 'transfer,rss,small'),
  }
}
