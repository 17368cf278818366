import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient, LatchClient } from '@latch/client'
import {
  type KeyServerProcess,
  startKeyServerProcess,
  stopKeyServer,
} from '@latch/testkit/key-server-process'
import { createBenchBucket, removeBenchBucket } from './bucket.js'
import type { S3BenchContext } from './context.js'
import { type BenchS3Endpoint, startCephEndpoint, startS3rverEndpoint } from './endpoints.js'
import type { S3BenchOptions } from './options.js'
import { benchS3PeakRss } from './peak-rss.js'
import { benchS3SmallObjects } from './small-objects.js'
import { benchS3Transfer } from './transfer.js'

// Each encrypted put makes one or two key-server requests from one identity: far past the default
// 60,000 a minute at these rates. The limit's cost per request does not depend on its value.
const RATE_LIMIT = 1_000_000_000

const starters: Record<string, () => Promise<BenchS3Endpoint>> = {
  ceph: startCephEndpoint,
  s3rver: startS3rverEndpoint,
}

/**
 * Latch over real S3 servers, each next to plain transfers with the same SDK settings: large
 * put and get (MiB/s), peak RSS of children moving one large object, and 1 KiB operations per
 * second with where their time goes. The key server is `latch server` in its own process; Ceph's
 * RADOS Gateway and s3rver run one after the other, each stopped after its part, every bucket
 * emptied and removed.
 *
 * @throws Error when a server does not start, a transfer moves the wrong number of bytes, or a
 *   child fails.
 */
export async function benchS3(options: S3BenchOptions): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latch-bench-s3-'))
  let keyServer: KeyServerProcess | undefined
  try {
    keyServer = await startKeyServerProcess(dataDir, ['--rate-limit', String(RATE_LIMIT)])
    const admin = new KeyServerClient({ server: keyServer.url, token: keyServer.adminToken })
    const { token } = await admin.createUser('bench@s3.example')
    const keyServerEnv = { LATCH_SERVER: keyServer.url, LATCH_TOKEN: token }
    const latch = new LatchClient({ server: keyServer.url, token })
    for (const name of options.servers) {
      const start = starters[name]
      if (start === undefined) throw new Error(`BENCH_S3_SERVERS: unknown server ${name}`)
      const endpoint = await start()
      try {
        const bucket = await createBenchBucket(endpoint.client, 'latch-bench')
        const context: S3BenchContext = {
          endpoint,
          bucket,
          latch,
          keyServerEnv,
          keyServerPid: keyServer.pid,
          partSize: options.partSize,
          queueSize: options.queueSize,
        }
        try {
          await runParts(context, options)
        } finally {
          await removeBenchBucket(endpoint.client, bucket)
        }
      } finally {
        endpoint.client.destroy()
        await endpoint.stop()
      }
    }
  } finally {
    if (keyServer !== undefined) await stopKeyServer(keyServer)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function runParts(context: S3BenchContext, options: S3BenchOptions): Promise<void> {
  const runs = (part: string) => options.parts.includes(part)
  if (runs('transfer')) {
    for (const megabytes of options.sizesMiB) {
      await benchS3Transfer(context, megabytes, options.rounds)
    }
  }
  if (runs('rss')) await benchS3PeakRss(context, options.rssMiB)
  if (runs('small')) {
    await benchS3SmallObjects(context, options.seconds, options.rounds, options.concurrency)
  }
}
