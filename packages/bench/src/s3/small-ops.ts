import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { LatchClient, nodeHttpTransport } from '@latch/client'
import { encryptBuffer } from '@latch/format'
import { createS3Client, getObject, POLICY_METADATA_KEY, putObject } from '@latch/s3'
import { CallTimer } from './call-timer.js'
import type { S3BenchContext } from './context.js'

const SIZE = 1024
const GET_OBJECTS = 64

/** One 1 KiB operation: `n` counts the calls, so that gets cycle through the stored objects. */
export type SmallOp = (n: number) => Promise<void>

/** The 1 KiB operations of the benchmark, and the timers that see their calls. */
export interface SmallOps {
  readonly ops: {
    /** Plain `PutObject` of a new key. */
    readonly plainPut: SmallOp
    /** `putObject` of a new key under a new policy (the default: one key-server request). */
    readonly latchPut: SmallOp
    /**
     * Before issue 16, for comparison in the same run: the policy created first, then the
     * `PutObject`, then the object registered (two key-server requests), over `fetch`.
     */
    readonly latchPutTwoCallsFetch: SmallOp
    /** The same two requests over the Node build's default `node:http` transport. */
    readonly latchPutTwoCalls: SmallOp
    /** `putObject` of a new key under one existing policy (`policyId`). */
    readonly latchPutExisting: SmallOp
    /** Plain `GetObject`, read to the end. */
    readonly plainGet: SmallOp
    /** `getObject`, read to the end. */
    readonly latchGet: SmallOp
    /** `getObject` with its key requests over `fetch` (before issue 16). */
    readonly latchGetFetch: SmallOp
  }
  /** The plain client's S3 calls, and the encrypted side's S3 and key-server calls. */
  readonly timers: { readonly plain: CallTimer; readonly latch: CallTimer }
}

/**
 * Builds the 1 KiB operations on the context's bucket, with clients of their own (so that their
 * calls can be timed apart), and stores the objects the gets read.
 */
export async function prepareSmallOps(context: S3BenchContext): Promise<SmallOps> {
  const { endpoint, bucket } = context
  const timers = { plain: new CallTimer(), latch: new CallTimer() }
  const plain = createS3Client({}, endpoint.env)
  const client = createS3Client({}, endpoint.env)
  timers.plain.instrument(plain)
  timers.latch.instrument(client)
  const server = context.keyServerEnv.LATCH_SERVER as string
  const token = context.keyServerEnv.LATCH_TOKEN
  const latch = new LatchClient({
    server,
    token,
    transport: timers.latch.transport(nodeHttpTransport),
  })
  const viaFetch = new LatchClient({ server, token, fetch: timers.latch.fetch })
  const payload = randomBytes(SIZE)
  const policyId = (await latch.policyFor({})).id
  let serial = 0
  const getKey = (side: string, n: number) => `small-get-${side}-${n % GET_OBJECTS}`
  for (let i = 0; i < GET_OBJECTS; i++) {
    await plain.send(
      new PutObjectCommand({ Bucket: bucket, Key: getKey('plain', i), Body: payload }),
    )
    await putObject(bucket, getKey('latch', i), payload, { client, latch })
  }
  // The put of `putObject` before issue 16, for a body that fits one part.
  const putTwoCalls = async (from: LatchClient, key: string) => {
    const { writer, policy } = await from.createWriter({})
    const body = encryptBuffer(writer, payload)
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: 'application/octet-stream',
        Metadata: { [POLICY_METADATA_KEY]: policy.id },
      }),
    )
    await from.registerObject(policy.id, writer, { bucket, key })
  }
  const readLatch = async (n: number, from: LatchClient) => {
    const object = await getObject({ client, latch: from, bucket, key: getKey('latch', n) })
    await expectSize(object.body)
  }
  return {
    timers,
    ops: {
      plainPut: async () => {
        const key = `small-plain-${serial++}`
        await plain.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: payload }))
      },
      latchPut: async () => {
        await putObject(bucket, `small-latch-${serial++}`, payload, { client, latch })
      },
      latchPutTwoCallsFetch: () => putTwoCalls(viaFetch, `small-latch-${serial++}`),
      latchPutTwoCalls: () => putTwoCalls(latch, `small-latch-${serial++}`),
      latchPutExisting: async () => {
        await putObject(bucket, `small-latch-${serial++}`, payload, { client, latch, policyId })
      },
      plainGet: async (n) => {
        const answer = await plain.send(
          new GetObjectCommand({ Bucket: bucket, Key: getKey('plain', n) }),
        )
        await expectSize(answer.Body as Readable)
      },
      latchGet: (n) => readLatch(n, latch),
      latchGetFetch: (n) => readLatch(n, viaFetch),
    },
  }
}

async function expectSize(body: Readable): Promise<void> {
  let bytes = 0
  for await (const chunk of body) bytes += (chunk as Buffer).length
  if (bytes !== SIZE) throw new Error(`a 1 KiB get returned ${bytes} bytes`)
}
