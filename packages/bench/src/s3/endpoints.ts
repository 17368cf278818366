import { type ChildProcess, fork } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { createS3Client } from '@latch/s3'
import { s3TestEndpoint } from '@latch/testkit/ceph-rgw'

/** An S3 server the S3 benchmark runs against, and how to let it go. */
export interface BenchS3Endpoint {
  readonly name: string
  /** `AWS_ENDPOINT_URL_S3`, the keys and the region, for `createS3Client({}, env)` and children. */
  readonly env: Readonly<Record<string, string>>
  /** A plain client with Latch's settings (`WHEN_REQUIRED` checksums, path-style). */
  readonly client: S3Client
  /** The server's processes on this machine, for their CPU time (empty when it is elsewhere). */
  readonly pids: readonly number[]
  stop(): Promise<void>
}

// Not the tests' 7490: a test run that stops its gateway must not stop the benchmark's.
const CEPH_PORT = 7494
const CEPH_DIR = `/tmp/latch-rgw-${CEPH_PORT}`
// Deleted RGW objects wait up to a minute for garbage collection (the script's `rgw gc` settings),
// and the OSD keeps them in RAM until then: room for several 1 GiB rounds in flight.
const MEMSTORE_BYTES = String(12 * 1024 ** 3)

/**
 * Ceph's RADOS Gateway (`LATCH_TEST_S3_*` when set, else one started on port 7494 with
 * `scripts/ceph-rgw/start-rgw.sh`; `stop()` stops it only if this call started it).
 */
export async function startCephEndpoint(): Promise<BenchS3Endpoint> {
  process.env.MEMSTORE_BYTES ??= MEMSTORE_BYTES
  const s3 = await s3TestEndpoint({ port: CEPH_PORT, dir: CEPH_DIR })
  const env = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
  }
  return {
    name: 'Ceph RGW 16.2',
    env,
    client: createS3Client({}, env),
    pids: s3.endpoint.endsWith(`:${CEPH_PORT}`) ? cephPids() : [],
    stop: () => s3.stop(),
  }
}

/** s3rver in a child process on a temporary folder, removed on `stop()`. */
export async function startS3rverEndpoint(): Promise<BenchS3Endpoint> {
  const child = fork(new URL('./s3rver-child.js', import.meta.url), {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port))
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening`)))
  })
  const env = {
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  }
  return {
    name: 's3rver 3.7',
    env,
    client: createS3Client({}, env),
    pids: [child.pid as number],
    stop: () => stopChild(child),
  }
}

function cephPids(): number[] {
  try {
    const dir = join(CEPH_DIR, 'pids')
    return readdirSync(dir).map((name) => Number(readFileSync(join(dir, name), 'utf8').trim()))
  } catch {
    return []
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}
