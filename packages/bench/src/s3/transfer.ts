import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { getObject, putObject } from '@latch/s3'
import { median } from '../shared/measure.js'
import { printTable } from '../shared/report.js'
import { countingSink, generatedBody } from './body.js'
import type { S3BenchContext } from './context.js'
import { cpuSecondsOf } from './cpu.js'
import { decryptCpuPerGiB } from './decrypt-cpu.js'

const MIB = 1024 * 1024

type Op = 'plainPut' | 'latchPut' | 'plainGet' | 'latchGet'

interface Sample {
  readonly mibPerSecond: number
  /** CPU seconds per GiB moved: this process, and the S3 server's processes. */
  readonly clientCpu: number
  readonly serverCpu: number
}

/**
 * Put and get of one `megabytes` MiB object, encrypted (`putObject` with a generated stream,
 * `getObject` read to the end) and plain (lib-storage's `Upload` with the same part and queue
 * sizes; one `GetObject` stream read to the end), in `rounds` alternating rounds on a fresh key
 * each; each round's objects are deleted before the next.
 *
 * @throws Error when a download does not yield the object's size.
 */
export async function benchS3Transfer(
  context: S3BenchContext,
  megabytes: number,
  rounds: number,
): Promise<void> {
  const { endpoint, bucket, partSize, queueSize } = context
  const size = megabytes * MIB
  process.stderr.write(`S3 ${endpoint.name}: ${megabytes} MiB put and get …\n`)
  const samples: Record<Op, Sample[]> = { plainPut: [], latchPut: [], plainGet: [], latchGet: [] }
  const ratios = { put: [] as number[], get: [] as number[] }
  const client = endpoint.client
  const measure = async (op: Op, run: () => Promise<number>) => {
    const cpu = process.cpuUsage()
    const server = cpuSecondsOf(endpoint.pids)
    const start = performance.now()
    const moved = await run()
    const seconds = (performance.now() - start) / 1000
    if (moved !== size) throw new Error(`${op}: moved ${moved} bytes, expected ${size}`)
    const used = process.cpuUsage(cpu)
    const perGiB = (MIB * 1024) / size
    const sample = {
      mibPerSecond: size / MIB / seconds,
      clientCpu: ((used.user + used.system) / 1e6) * perGiB,
      serverCpu: (cpuSecondsOf(endpoint.pids) - server) * perGiB,
    }
    samples[op].push(sample)
    return sample.mibPerSecond
  }
  const consume = async (body: Readable) => {
    const sink = countingSink()
    await pipeline(body, sink)
    return sink.bytes()
  }
  for (let round = 0; round < rounds; round++) {
    const plainKey = `transfer-${megabytes}-plain-${round}`
    const latchKey = `transfer-${megabytes}-latch-${round}`
    const plainPut = () =>
      measure('plainPut', async () => {
        const params = { Bucket: bucket, Key: plainKey, Body: generatedBody(size) }
        await new Upload({ client, params, partSize, queueSize }).done()
        return size
      })
    const latchPut = () =>
      measure('latchPut', async () => {
        const body = generatedBody(size)
        const options = { client, latch: context.latch, size, partSize, queueSize }
        return (await putObject(bucket, latchKey, body, options)).size
      })
    const plainGet = () =>
      measure('plainGet', async () => {
        const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: plainKey }))
        return consume(answer.Body as Readable)
      })
    const latchGet = () =>
      measure('latchGet', async () => {
        const object = await getObject({ client, latch: context.latch, bucket, key: latchKey })
        return consume(object.body)
      })
    // Odd rounds run the encrypted side first, so that neither side always meets a warmer server.
    const pair = async (plain: () => Promise<number>, latch: () => Promise<number>) => {
      if (round % 2 === 1) {
        const l = await latch()
        return l / (await plain())
      }
      const p = await plain()
      return (await latch()) / p
    }
    ratios.put.push(await pair(plainPut, latchPut))
    ratios.get.push(await pair(plainGet, latchGet))
    for (const key of [plainKey, latchKey]) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
    }
  }
  const rate = (op: Op) => median(samples[op].map((s) => s.mibPerSecond))
  const cpuParts = (op: Op) => ({
    client: median(samples[op].map((s) => s.clientCpu)),
    server: median(samples[op].map((s) => s.serverCpu)),
  })
  const cpuOf = (op: Op) => cpuParts(op).client + cpuParts(op).server
  // On cores the plain get keeps busy, a Latch get that added only its decryption would move
  // plain CPU ÷ (plain CPU + decryption CPU) as fast.
  const decryption = decryptCpuPerGiB()
  const plainCores = (cpuOf('plainGet') * rate('plainGet')) / 1024
  printTable(
    `${endpoint.name}: one ${megabytes} MiB object, ${partSize / MIB} MiB parts, ${queueSize} at once (medians of ${rounds} alternating rounds; the S3 server, the key server and this client share the 2 cores)`,
    [
      {
        what: 'plain put, lib-storage Upload (baseline)',
        value: rate('plainPut'),
        unit: 'MiB/s',
        ratio: 1,
      },
      {
        what: 'Latch putObject, streamed body',
        value: rate('latchPut'),
        unit: 'MiB/s',
        ratio: median(ratios.put),
        goal: '≥ 0.9×',
      },
      {
        what: 'plain get, one GetObject stream (baseline)',
        value: rate('plainGet'),
        unit: 'MiB/s',
        ratio: 1,
      },
      {
        what: 'Latch getObject, read to the end',
        value: rate('latchGet'),
        unit: 'MiB/s',
        ratio: median(ratios.get),
        goal: '≥ 0.9×',
      },
      {
        what: `… its ceiling, Latch adding only AES-256-GCM (${decryption.toFixed(2)} s/GiB here) to the plain get's ${cpuOf('plainGet').toFixed(2)} s/GiB, which kept ${plainCores.toFixed(1)} cores busy`,
        value: cpuOf('plainGet') / (cpuOf('plainGet') + decryption),
        unit: '× plain',
      },
    ],
  )
  const cpu = (op: Op) => {
    const { client, server } = cpuParts(op)
    return `${client.toFixed(2)} s + ${server.toFixed(2)} s`
  }
  process.stdout.write(
    `\nCPU per GiB moved (this client + the S3 server): plain put ${cpu('plainPut')}, Latch put ${cpu('latchPut')}, plain get ${cpu('plainGet')}, Latch get ${cpu('latchGet')}; per-round ratios put ${list(ratios.put)}, get ${list(ratios.get)}\n`,
  )
}

function list(values: readonly number[]): string {
  return values.map((v) => `${v.toFixed(2)}×`).join(' ')
}
