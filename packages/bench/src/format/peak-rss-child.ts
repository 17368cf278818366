import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createDecryptTransform, createEncryptTransform, createObjectWriter } from '@latch/format'
import { keyServer, resolveKey } from './key-server.js'

// Child of format-peak-rss.ts: `node peak-rss-child.js latch|plain MiB [READ_CHUNK]` streams MiB
// from a generator to an encrypted file and back to a hash, reading the file in READ_CHUNK-byte
// chunks, and prints its peak RSS.
const [mode = 'latch', megabytes = '1024', readChunk = '65536'] = process.argv.slice(2)
const size = Number(megabytes) << 20
const block = randomBytes(1 << 20)
const file = join(tmpdir(), `latch-rss-${process.pid}.bin`)

function* source(): Generator<Buffer> {
  for (let sent = 0; sent < size; sent += block.length) {
    for (let i = 0; i < 16; i++) yield block.subarray(i * 65_536, (i + 1) * 65_536)
  }
}

const start = performance.now()
const hash = createHash('sha256')
try {
  await pipeline(
    Readable.from(source()),
    mode === 'latch'
      ? createEncryptTransform(createObjectWriter({ policyId: 'rss', shares: [[keyServer]] }))
      : new PassThrough(),
    createWriteStream(file),
  )
  await pipeline(
    createReadStream(file, { highWaterMark: Number(readChunk) }),
    mode === 'latch' ? createDecryptTransform(resolveKey) : new PassThrough(),
    new Writable({
      write(chunk, _encoding, callback) {
        hash.update(chunk)
        callback()
      },
    }),
  )
} finally {
  rmSync(file, { force: true })
}
const expected = createHash('sha256')
for (let sent = 0; sent < size; sent += block.length) expected.update(block)
if (hash.digest('hex') !== expected.digest('hex')) throw new Error('round trip mismatch')
// VmHWM, not getrusage's maxrss: Linux carries ru_maxrss over fork and exec, so a child spawned
// by a large parent would report the parent's peak.
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
process.stdout.write(
  JSON.stringify({ maxRssMiB: Number(hwm) / 1024, seconds: (performance.now() - start) / 1000 }),
)
