import { exportLineError as lineError } from './export-line-error.js'

const NEWLINE = 0x0a

/** Splits a byte stream into lines ending in `\n`, counting them from 1. */
export class LineReader {
  /** The number of the line last returned. */
  number = 0
  readonly #source: AsyncIterator<Uint8Array | string>
  readonly #maxLineBytes: number
  #chunk: Buffer = Buffer.alloc(0)
  #at = 0
  /** The start of a line that runs on past `#chunk`. */
  #pending: Buffer[] = []
  #pendingBytes = 0
  #done = false

  constructor(source: AsyncIterable<Uint8Array | string>, maxLineBytes: number) {
    this.#source = source[Symbol.asyncIterator]()
    this.#maxLineBytes = maxLineBytes
  }

  /** The next line if it is complete in the chunk at hand, without waiting. */
  take(): Buffer | undefined {
    const end = this.#chunk.indexOf(NEWLINE, this.#at)
    if (end < 0) return undefined
    let line = this.#chunk.subarray(this.#at, end)
    this.#at = end + 1
    if (this.#pending.length > 0) {
      line = Buffer.concat([...this.#pending, line])
      this.#pending = []
      this.#pendingBytes = 0
    }
    this.number++
    this.#checkLength(line.length)
    return line
  }

  /** The next line, or `undefined` at the end of the file. */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const line = this.take()
      if (line !== undefined) return line
      if (this.#at < this.#chunk.length) {
        const rest = this.#chunk.subarray(this.#at)
        this.#pending.push(rest)
        this.#pendingBytes += rest.length
        this.#checkLength(this.#pendingBytes, this.number + 1)
      }
      this.#chunk = Buffer.alloc(0)
      this.#at = 0
      if (this.#done) return this.#end()
      const { value, done } = await this.#source.next()
      if (done === true) {
        this.#done = true
        return this.#end()
      }
      this.#chunk =
        typeof value === 'string'
          ? Buffer.from(value, 'utf8')
          : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    }
  }

  /** Stops reading the source (closes a file stream). */
  async close(): Promise<void> {
    if (!this.#done) {
      this.#done = true
      await this.#source.return?.()
    }
  }

  #end(): undefined {
    if (this.#pendingBytes > 0) {
      throw lineError(this.number + 1, 'the file ends inside this line: it was cut off')
    }
    return undefined
  }

  #checkLength(bytes: number, number = this.number): void {
    if (bytes > this.#maxLineBytes) {
      throw lineError(number, `longer than ${this.#maxLineBytes} bytes`)
    }
  }
}
