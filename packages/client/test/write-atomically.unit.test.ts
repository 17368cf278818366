import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeAtomically } from '../src/index.js'

let dir: string
let output: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latch-atomic-'))
  output = join(dir, 'out.bin')
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Chunks of 64 KiB, then `fail` (when given) instead of the rest. */
function source(chunks: number, fail?: Error): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < chunks; i++) yield Buffer.alloc(65_536, i)
      if (fail !== undefined) throw fail
    })(),
  )
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('it succeeded'),
    (error: unknown) => error,
  )
}

/** Waits for file-system work still running (a stream opening its file) to show. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50))

describe('writeAtomically', () => {
  it('writes the whole file, readable only by its owner, and leaves nothing else', async () => {
    await writeAtomically(output, (sink) => pipeline(source(8), sink))
    const written = await readFile(output)
    expect(written.length).toBe(8 * 65_536)
    expect(written[7 * 65_536]).toBe(7)
    expect((await stat(output)).mode & 0o777).toBe(0o600)
    expect(await readdir(dir)).toEqual(['out.bin'])
  })

  it('leaves no file, partial or temporary, when the source fails midway, and rethrows', async () => {
    const boom = new Error('disk read error')
    expect(await failure(writeAtomically(output, (sink) => pipeline(source(4, boom), sink)))).toBe(
      boom,
    )
    await settle()
    expect(await readdir(dir)).toEqual([])
  })

  it('replaces an existing file only on success', async () => {
    await writeFile(output, 'the old content')
    await failure(
      writeAtomically(output, (sink) => pipeline(source(3, new Error('tampered segment')), sink)),
    )
    await settle()
    expect(await readFile(output, 'utf8')).toBe('the old content')
    expect(await readdir(dir)).toEqual(['out.bin'])
    await writeAtomically(output, (sink) => pipeline(source(1), sink))
    expect((await readFile(output)).length).toBe(65_536)
    expect(await readdir(dir)).toEqual(['out.bin'])
  })

  it('leaves nothing when the write is aborted', async () => {
    const controller = new AbortController()
    const slow = Readable.from(
      (async function* () {
        yield Buffer.alloc(1024)
        controller.abort()
        yield Buffer.alloc(1024)
      })(),
    )
    const error = await failure(
      writeAtomically(output, (sink) => pipeline(slow, sink, { signal: controller.signal })),
    )
    expect((error as Error).name).toBe('AbortError')
    await settle()
    expect(await readdir(dir)).toEqual([])
  })

  it('leaves nothing when the writer fails before it writes a byte', async () => {
    const refused = new Error('no key for this object')
    expect(
      await failure(
        writeAtomically(output, async () => {
          throw refused
        }),
      ),
    ).toBe(refused)
    await settle()
    expect(await readdir(dir)).toEqual([])
  })

  it('leaves nothing when the writer fails after a partial write without closing its sink', async () => {
    const error = await failure(
      writeAtomically(output, async (sink: Writable) => {
        await new Promise<void>((resolve, reject) =>
          sink.write(Buffer.alloc(1024), (e) => (e ? reject(e) : resolve())),
        )
        throw new Error('the key server went away')
      }),
    )
    expect((error as Error).message).toBe('the key server went away')
    await settle()
    expect(await readdir(dir)).toEqual([])
  })

  it('has closed its temporary file by the time it rejects, whatever the writer left open', async () => {
    let sink: Writable | undefined
    await failure(
      writeAtomically(output, async (s) => {
        sink = s
        s.write(Buffer.alloc(10))
        throw new Error('the writer gave up')
      }),
    )
    expect(sink?.closed).toBe(true)
    expect(await readdir(dir)).toEqual([])
  })

  it('leaves nothing when many writers fail at once, before their files are even open', async () => {
    const outputs = Array.from({ length: 300 }, (_, i) => join(dir, `out-${i}.bin`))
    const results = await Promise.allSettled(
      outputs.map((o) =>
        writeAtomically(o, async () => {
          throw new Error('denied')
        }),
      ),
    )
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    await settle()
    expect(await readdir(dir)).toEqual([])
  })

  it('fails, leaving nothing, when the folder of the output does not exist', async () => {
    const error = await failure(
      writeAtomically(join(dir, 'missing', 'out.bin'), (sink) => pipeline(source(1), sink)),
    )
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT')
    expect(await readdir(dir)).toEqual([])
    // A writer that fails first: the failure to open the file must not go unhandled.
    const refused = new Error('denied')
    expect(
      await failure(
        writeAtomically(join(dir, 'missing', 'out.bin'), async () => {
          throw refused
        }),
      ),
    ).toBe(refused)
    await settle()
  })
})
