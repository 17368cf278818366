import { readFileSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { LatchClient } from '@latch/client'
import { createS3Client, getObject, putObject } from '@latch/s3'
import { countingSink, generatedBody } from './body.js'

// Child of s3-peak-rss.ts: `node s3-peak-rss-child.js latch|plain put|get BUCKET KEY MiB PART QUEUE`
// with AWS_* and LATCH_SERVER/LATCH_TOKEN in its environment. Puts a generated object of MiB
// MiB (or gets one, reading it to the end) and prints its peak RSS.
const [mode, op, bucket = '', key = '', megabytes = '0', part = '0', queue = '0'] =
  process.argv.slice(2)
const size = Number(megabytes) * 1024 * 1024
const partSize = Number(part)
const queueSize = Number(queue)
const { env } = process
const client = createS3Client(
  {},
  {
    AWS_ENDPOINT_URL_S3: env.AWS_ENDPOINT_URL_S3,
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
    AWS_REGION: env.AWS_REGION,
  },
)
const latch = LatchClient.fromEnv()

const start = performance.now()
let moved: number
if (op === 'put' && mode === 'latch') {
  const options = { client, latch, size, partSize, queueSize }
  moved = (await putObject(bucket, key, generatedBody(size), options)).size
} else if (op === 'put') {
  const params = { Bucket: bucket, Key: key, Body: generatedBody(size) }
  await new Upload({ client, params, partSize, queueSize }).done()
  moved = size
} else {
  const body =
    mode === 'latch'
      ? (await getObject({ client, latch, bucket, key })).body
      : ((await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable)
  const sink = countingSink()
  await pipeline(body, sink)
  moved = sink.bytes()
}
if (moved !== size) throw new Error(`${mode} ${op}: moved ${moved} bytes, expected ${size}`)
// VmHWM, not getrusage's maxrss: Linux carries ru_maxrss over fork and exec.
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
process.stdout.write(
  JSON.stringify({ maxRssMiB: Number(hwm) / 1024, seconds: (performance.now() - start) / 1000 }),
)
