import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3'
import { KeyServerClient, LatchClient } from '@latch/client'
import { type RunningServer, startServer } from '@latch/server'
import S3rver from 's3rver'
import { inject } from 'vitest'
import { createS3Client } from '../../src/create-s3-client.js'

/** An S3 endpoint the tests run against. */
export interface Endpoint {
  readonly name: 'ceph' | 's3rver'
  readonly client: S3Client
  /** Environment for the CLI and `createS3Client`. */
  readonly env: Record<string, string>
  /** Whether the endpoint implements ListMultipartUploads (s3rver does not). */
  readonly listsUploads: boolean
  close(): Promise<void>
}

/** The Ceph RADOS Gateway started by the integration tier's global set-up. */
export function cephEndpoint(): Endpoint {
  const s3 = inject('cephS3')
  const env = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
  }
  return {
    name: 'ceph',
    client: createS3Client({}, env),
    env,
    listsUploads: true,
    close: async () => undefined,
  }
}

/** An s3rver (the endpoint of `latch dev`) in this process, on a temporary folder. */
export async function s3rverEndpoint(): Promise<Endpoint> {
  const directory = mkdtempSync(join(tmpdir(), 'latch-s3rver-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory })
  const { port } = await server.run()
  const env = {
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  }
  return {
    name: 's3rver',
    client: createS3Client({}, env),
    env,
    listsUploads: false,
    async close() {
      await server.close()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

/** Creates a bucket with a unique name. */
export async function newBucket(client: S3Client, prefix = 'latch'): Promise<string> {
  const bucket = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  return bucket
}

/** A key server on loopback with an owner, a reader and an outsider. */
export interface KeyServerFixture {
  readonly server: RunningServer
  readonly adminToken: string
  readonly tokens: { owner: string; reader: string; outsider: string }
  latch(who: 'owner' | 'reader' | 'outsider'): LatchClient
  close(): Promise<void>
}

export async function startKeyServer(): Promise<KeyServerFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'latch-ks-'))
  const server = await startServer({ dataDir: dir, port: 0, logger: false })
  const adminToken = readFileSync(join(dir, 'admin.token'), 'utf8').trim()
  const admin = new KeyServerClient({ server: server.url, token: adminToken })
  const tokens = {
    owner: (await admin.createUser('owner@example.com')).token,
    reader: (await admin.createUser('reader@example.com')).token,
    outsider: (await admin.createUser('outsider@example.com')).token,
  }
  return {
    server,
    adminToken,
    tokens,
    latch: (who) => new LatchClient({ server: server.url, token: tokens[who] }),
    async close() {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** `n` bytes of a fixed pattern (byte i = i mod 251), so any shift or swap shows. */
export function pattern(n: number): Buffer {
  const out = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) out[i] = i % 251
  return out
}

/** Reads a stream to one buffer. */
export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return Buffer.concat(chunks)
}
