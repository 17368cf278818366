/**
 * Buffers of one size, handed out and taken back, so that a long upload reuses a few part-sized
 * buffers instead of leaving a fresh 8 MiB buffer per part to the garbage collector (which held
 * a 1 GiB upload's peak RSS near 300 MiB).
 */
export class BufferPool {
  readonly size: number
  readonly #free: Buffer[] = []
  readonly #keep: number

  constructor(size: number, keep: number) {
    this.size = size
    this.#keep = keep
  }

  take(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafe(this.size)
  }

  /** Gives a buffer back; it must not be used after this. */
  give(buffer: Buffer): void {
    if (buffer.length === this.size && this.#free.length < this.#keep) this.#free.push(buffer)
  }
}
