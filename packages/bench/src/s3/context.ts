import type { LatchClient } from '@latch/client'
import type { BenchS3Endpoint } from './endpoints.js'

/** What every part of the S3 benchmark works with, for one S3 server. */
export interface S3BenchContext {
  readonly endpoint: BenchS3Endpoint
  /** A fresh bucket on that server, removed at the end. */
  readonly bucket: string
  /** The benchmark user's client of the key server. */
  readonly latch: LatchClient
  /** The key server's environment for child processes: `LATCH_SERVER`, `LATCH_TOKEN`. */
  readonly keyServerEnv: Readonly<Record<string, string>>
  /** The key server's process, for its CPU time. */
  readonly keyServerPid: number
  readonly partSize: number
  readonly queueSize: number
}
