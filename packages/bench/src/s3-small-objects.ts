import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { LatchClient } from '@latch/client'
import { createS3Client, getObject, putObject } from '@latch/s3'
import { compareRates } from './measure.js'
import { printTable, type Row } from './report.js'
import { type Breakdown, emptyBreakdown, printBreakdowns, startBreakdown } from './s3-breakdown.js'
import { CallTimer } from './s3-call-timer.js'
import type { S3BenchContext } from './s3-context.js'
import { concurrentRate } from './s3-rate.js'

const SIZE = 1024
const GET_OBJECTS = 64

type Side = 'plain' | 'latch'
type Kind = 'put' | 'get'

/**
 * 1 KiB objects: puts and gets per second, one at a time and `concurrency` at once, encrypted
 * (`putObject`, which creates a policy and registers the object on the key server; `getObject`,
 * which asks the key server for the key) next to plain `PutObject`/`GetObject` with the same SDK
 * settings, in `rounds` alternating rounds of `seconds` each. Then where the time of each goes:
 * each S3 command and key-server request timed, and the CPU of this client, the key server and
 * the S3 server per operation.
 */
export async function benchS3SmallObjects(
  context: S3BenchContext,
  seconds: number,
  rounds: number,
  concurrency: number,
): Promise<void> {
  const { endpoint, bucket } = context
  process.stderr.write(`S3 ${endpoint.name}: 1 KiB objects …\n`)
  const timers = { plain: new CallTimer(), latch: new CallTimer() }
  const clients: Record<Side, S3Client> = {
    plain: createS3Client({}, endpoint.env),
    latch: createS3Client({}, endpoint.env),
  }
  timers.plain.instrument(clients.plain)
  timers.latch.instrument(clients.latch)
  const latch = new LatchClient({
    server: context.keyServerEnv.LATCH_SERVER as string,
    token: context.keyServerEnv.LATCH_TOKEN,
    fetch: timers.latch.fetch,
  })
  const payload = randomBytes(SIZE)
  let serial = 0
  const ops: Record<Side, Record<Kind, (n: number) => Promise<unknown>>> = {
    plain: {
      put: () =>
        clients.plain.send(
          new PutObjectCommand({ Bucket: bucket, Key: `small/plain-${serial++}`, Body: payload }),
        ),
      get: async (n) => {
        const key = `small/get-plain-${n % GET_OBJECTS}`
        const answer = await clients.plain.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
        await expectSize(answer.Body as { transformToByteArray(): Promise<Uint8Array> })
      },
    },
    latch: {
      put: () =>
        putObject(bucket, `small/latch-${serial++}`, payload, { client: clients.latch, latch }),
      get: async (n) => {
        const key = `small/get-latch-${n % GET_OBJECTS}`
        const object = await getObject({ client: clients.latch, latch, bucket, key })
        await expectSize(object.body)
      },
    },
  }
  for (let i = 0; i < GET_OBJECTS; i++) {
    await clients.plain.send(
      new PutObjectCommand({ Bucket: bucket, Key: `small/get-plain-${i}`, Body: payload }),
    )
    await putObject(bucket, `small/get-latch-${i}`, payload, { client: clients.latch, latch })
  }

  const processes = { keyServer: [context.keyServerPid], s3Server: endpoint.pids }
  const breakdowns = new Map<string, Breakdown>()
  const timed = (side: Side, kind: Kind, at: number) => async () => {
    const name = `${side === 'plain' ? 'plain' : 'Latch'} ${kind}, ${at === 1 ? 'one at a time' : `${at} at once`}`
    const into = breakdowns.get(name) ?? emptyBreakdown()
    breakdowns.set(name, into)
    let finish: ReturnType<typeof startBreakdown> | undefined
    const run = await concurrentRate(seconds, at, ops[side][kind], () => {
      finish = startBreakdown(into, [timers[side]], processes)
    })
    finish?.(run, at)
    return run.rate
  }
  const rows: Row[] = []
  for (const kind of ['put', 'get'] as const) {
    for (const at of [1, concurrency]) {
      const result = await compareRates(rounds, timed('plain', kind, at), {
        latch: timed('latch', kind, at),
      })
      const how = at === 1 ? 'one at a time' : `${at} at once`
      const unit = `${kind}s/s`
      rows.push(
        {
          what: `plain ${kind === 'put' ? 'PutObject' : 'GetObject'}, ${how} (baseline)`,
          value: result.baseline,
          unit,
          ratio: 1,
        },
        {
          what: `Latch ${kind === 'put' ? 'putObject' : 'getObject'}, ${how}`,
          value: result.rates.latch ?? 0,
          unit,
          ratio: result.ratios.latch ?? 0,
          goal: '≥ 0.7×',
        },
      )
    }
  }
  printTable(
    `${endpoint.name}: 1 KiB objects, key server in its own process on this machine (medians of ${rounds} alternating rounds of ${seconds} s; S3 server, key server and client share the 2 cores)`,
    rows,
  )
  printBreakdowns(`${endpoint.name}: where a 1 KiB operation's time goes (all timed rounds)`, [
    ...breakdowns,
  ])
}

async function expectSize(
  body: { transformToByteArray(): Promise<Uint8Array> } | Readable,
): Promise<void> {
  let bytes = 0
  if ('transformToByteArray' in body) bytes = (await body.transformToByteArray()).length
  else for await (const chunk of body) bytes += (chunk as Buffer).length
  if (bytes !== SIZE) throw new Error(`a 1 KiB get returned ${bytes} bytes`)
}
