import { randomBytes } from 'node:crypto'
import { Readable, Writable } from 'node:stream'

const CHUNK = 65_536
const block = randomBytes(1 << 20)

/**
 * `size` bytes made on the fly in 64 KiB chunks (a random 1 MiB block, repeated), as a file read
 * would give them, at next to no cost: what is measured is the upload.
 */
export function generatedBody(size: number): Readable {
  let sent = 0
  return new Readable({
    highWaterMark: 4 * CHUNK,
    read() {
      while (sent < size) {
        const offset = sent % block.length
        const n = Math.min(CHUNK, size - sent, block.length - offset)
        sent += n
        if (!this.push(block.subarray(offset, offset + n))) return
      }
      this.push(null)
    },
  })
}

/** A sink that only counts what it is given; `bytes()` tells how much. */
export function countingSink(): Writable & { bytes(): number } {
  let bytes = 0
  const sink = new Writable({
    highWaterMark: 4 * CHUNK,
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length
      callback()
    },
  })
  return Object.assign(sink, { bytes: () => bytes })
}
