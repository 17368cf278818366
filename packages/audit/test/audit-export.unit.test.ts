import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  AUDIT_EXPORT_FORMAT,
  type AuditExportCheckpoint,
  type AuditExportHeader,
  type AuditExportSource,
  type AuditRow,
  type AuditWindowStart,
  encodeAuditExport,
  readAuditExport,
  verifyAuditLog,
} from '@latch/audit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildChain, key, T0 } from './audit-chain.js'

// 5,300 records, checkpoints at 1,000 … 5,000, 300 unsigned records.
const chain = buildChain({ records: 5300, every: 1000, seed: 31 })
const N = chain.rows.length
const last = chain.rows.at(-1) as AuditRow
const checkpoints: AuditExportCheckpoint[] = chain.notes.map((note, i) => ({
  size: chain.sizes[i] as number,
  note,
  signedAt: new Date(T0 + (chain.sizes[i] as number) * 10),
}))
const header: AuditExportHeader = {
  origin: chain.origin,
  exportedAt: chain.now,
  size: N,
  headHash: last.entryHash,
  from: undefined,
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latch-audit-export-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Writes an export to a stream as the CLI does: the encoded bytes piped into it. */
async function writeExport(output: Writable, source: AuditExportSource, signal?: AbortSignal) {
  const encoded = encodeAuditExport(source)
  await pipeline(
    Readable.from(encoded, { objectMode: false }),
    output,
    signal === undefined ? {} : { signal },
  )
  return encoded.summary
}

let files = 0
/** Writes an export of the test chain to a new file and returns its path. */
async function exportFile(
  edits: {
    header?: Partial<AuditExportHeader>
    rows?: readonly AuditRow[]
    checkpoints?: readonly AuditExportCheckpoint[]
  } = {},
): Promise<string> {
  const file = join(dir, `export-${files++}.jsonl`)
  await writeExport(createWriteStream(file), {
    header: { ...header, ...edits.header },
    checkpoints: edits.checkpoints ?? checkpoints,
    rows: edits.rows ?? chain.rows,
  })
  return file
}

/** Reads an export file and verifies it with the test key. */
async function verifyFile(file: string) {
  const exported = await readAuditExport(createReadStream(file))
  return verifyAuditLog({ ...exported, key })
}

/** Rewrites an export file's lines (numbered from 1). */
async function editLines(file: string, edit: (lines: string[]) => string[]): Promise<string> {
  const text = await readFile(file, 'utf8')
  const lines = text.slice(0, -1).split('\n')
  const edited = join(dir, `edited-${files++}.jsonl`)
  await writeFile(edited, `${edit(lines).join('\n')}\n`)
  return edited
}

function at(size: number): AuditWindowStart {
  return { size, headHash: (chain.rows[size - 1] as AuditRow).entryHash }
}

const SEQ_LINE = (seq: number) => 1 + checkpoints.length + seq

describe('audit export: write, read, verify', () => {
  it('round-trips a chain through a file that verifies with only the key', async () => {
    const file = await exportFile()
    const report = await verifyFile(file)
    expect(report).toMatchObject({
      ok: true,
      records: N,
      firstSeq: 1,
      lastSeq: N,
      checkpoints: checkpoints.length,
      signedSize: 5000,
      unsignedRecords: N - 5000,
      problems: [],
    })
  })

  it('writes the documented lines: header, checkpoints first, then records', async () => {
    const lines = (await readFile(await exportFile(), 'utf8')).split('\n')
    expect(lines).toHaveLength(1 + checkpoints.length + N + 1)
    expect(lines.at(-1)).toBe('')
    expect(JSON.parse(lines[0] as string)).toEqual({
      format: AUDIT_EXPORT_FORMAT,
      origin: chain.origin,
      exportedAt: chain.now.toISOString(),
      size: N,
      headHash: Buffer.from(last.entryHash).toString('base64'),
      from: null,
    })
    expect(JSON.parse(lines[1] as string)).toEqual({
      checkpoint: {
        size: 1000,
        note: chain.notes[0],
        signedAt: new Date(T0 + 10_000).toISOString(),
      },
    })
    const row = chain.rows[41] as AuditRow
    expect(lines[SEQ_LINE(42) - 1]).toBe(
      JSON.stringify({
        seq: 42,
        record: Buffer.from(row.recordBytes).toString('base64'),
        entryHash: Buffer.from(row.entryHash).toString('base64'),
      }),
    )
  })

  it('reads what it needs from the header into the verifier input', async () => {
    const exported = await readAuditExport(createReadStream(await exportFile()))
    expect(exported).toMatchObject({
      origin: chain.origin,
      notes: chain.notes,
      headSize: N,
      now: chain.now,
      checkpoints,
    })
    expect(Buffer.from(exported.headHash).equals(last.entryHash)).toBe(true)
    expect(exported.from).toBeUndefined()
    for await (const _ of exported.rows) break
  })

  it('stops at the header size, and leaves out checkpoints signed after it', async () => {
    const file = join(dir, 'cut.jsonl')
    const summary = await writeExport(createWriteStream(file), {
      header: { ...header, size: 4500, headHash: (chain.rows[4499] as AuditRow).entryHash },
      checkpoints,
      rows: chain.rows,
    })
    expect(summary).toMatchObject({ records: 4500, checkpoints: 4 })
    expect(summary.bytes).toBe((await readFile(file)).length)
    expect(await verifyFile(file)).toMatchObject({ ok: true, records: 4500, problems: [] })
  })

  it('a partial export from a checkpoint verifies through the window', async () => {
    const partial = await exportFile({ header: { from: at(2000) }, rows: chain.rows.slice(2000) })
    expect(await verifyFile(partial)).toMatchObject({
      ok: true,
      records: N - 2000,
      firstSeq: 2001,
      lastSeq: N,
      problems: [],
    })
    // With only the checkpoints from its anchor on.
    const lean = await exportFile({
      header: { from: at(2000) },
      rows: chain.rows.slice(2000),
      checkpoints: checkpoints.slice(1),
    })
    expect(await verifyFile(lean)).toMatchObject({ ok: true, problems: [] })
  })

  it('a partial export whose from no checkpoint signs is window-invalid', async () => {
    const file = await exportFile({
      header: { from: { size: 2000, headHash: Buffer.alloc(32, 3) } },
      rows: chain.rows.slice(2000),
    })
    const report = await verifyFile(file)
    expect(report.ok).toBe(false)
    expect(report.firstBad?.kind).toBe('window-invalid')
  })

  it('names an edited record line at its seq', async () => {
    const file = await editLines(await exportFile(), (lines) => {
      const line = SEQ_LINE(3333) - 1
      const value = JSON.parse(lines[line] as string)
      const bytes = Buffer.from(value.record, 'base64')
      const at = bytes.indexOf('"request_id":"') + 14
      bytes[at] = (bytes[at] as number) ^ 0x01
      lines[line] = JSON.stringify({ ...value, record: bytes.toString('base64') })
      return lines
    })
    const report = await verifyFile(file)
    expect(report.ok).toBe(false)
    expect(report.problems).toMatchObject([{ kind: 'entry-hash-mismatch', seq: 3333 }])
  })

  it('names a missing checkpoint line at the next note', async () => {
    const file = await editLines(await exportFile(), (lines) => lines.filter((_, i) => i !== 2))
    const report = await verifyFile(file)
    expect(report.ok).toBe(false)
    expect(report.problems).toMatchObject([{ kind: 'checkpoint-order', checkpoint: 1 }])
  })

  it('without its last checkpoint line, vouches for nothing after the one before', async () => {
    // Nothing in the file can tell that a last note existed (the anchored copies can): what is
    // true is that the records after the remaining last checkpoint are reported unsigned.
    const file = await editLines(await exportFile(), (lines) => lines.filter((_, i) => i !== 5))
    const report = await verifyFile(file)
    expect(report).toMatchObject({ signedSize: 4000, unsignedRecords: N - 4000 })
  })

  it('a file cut at a line boundary: the rows end before the header size', async () => {
    const file = await editLines(await exportFile(), (lines) => lines.slice(0, SEQ_LINE(2500)))
    const report = await verifyFile(file)
    expect(report.ok).toBe(false)
    expect(report.problems).toMatchObject([
      { kind: 'truncated', seq: 2501 },
      { kind: 'head-mismatch', seq: 2501 },
    ])
  })

  it('a file cut inside a line: an error naming that line', async () => {
    const text = await readFile(await exportFile(), 'utf8')
    const end =
      text
        .split('\n')
        .slice(0, SEQ_LINE(2500) - 1)
        .join('\n').length + 200
    const file = join(dir, 'cut-inside.jsonl')
    await writeFile(file, text.slice(0, end))
    await expect(verifyFile(file)).rejects.toMatchObject({
      code: 'ERR_AUDIT_EXPORT_INVALID',
      message: `audit export line ${SEQ_LINE(2500)}: the file ends inside this line: it was cut off`,
    })
    // Inside the checkpoints: reading the header fails at once.
    await writeFile(file, text.slice(0, text.indexOf('\n', text.indexOf('\n') + 1) + 100))
    await expect(readAuditExport(createReadStream(file))).rejects.toMatchObject({
      code: 'ERR_AUDIT_EXPORT_INVALID',
      message: expect.stringContaining('line 3: the file ends inside this line'),
    })
  })

  it('a garbage line among the records: an error naming the line', async () => {
    const line = SEQ_LINE(1234)
    const cases: [string, string][] = [
      ['garbage }{', 'not JSON'],
      ['', 'an empty line'],
      ['[1,2]', 'not a JSON object'],
      ['{"seq":1234,"record":"e30="}', 'missing entryHash'],
      [`{"seq":1234,"record":"e30=","entryHash":"${'A'.repeat(43)}=","x":1}`, 'unexpected x'],
      [`{"seq":-1,"record":"e30=","entryHash":"${'A'.repeat(43)}="}`, 'seq is not'],
      [`{"seq":1234,"record":"e30","entryHash":"${'A'.repeat(43)}="}`, 'not canonical base64'],
      [`{"seq":1234,"record":"e30=","entryHash":"AAAA"}`, 'entryHash is not 32 bytes'],
      [
        `{"checkpoint":{"size":1,"note":"x","signedAt":"2026-01-01T00:00:00.000Z"}}`,
        'checkpoint after the records',
      ],
    ]
    const exported = await exportFile()
    for (const [text, reason] of cases) {
      const file = await editLines(exported, (lines) => {
        lines[line - 1] = text
        return lines
      })
      const error = await verifyFile(file).catch((e: unknown) => e)
      expect(error, text).toMatchObject({ code: 'ERR_AUDIT_EXPORT_INVALID' })
      expect((error as Error).message, text).toContain(`audit export line ${line}: `)
      expect((error as Error).message, text).toContain(reason)
    }
  })

  it('a bad header or checkpoint line: an error naming the line', async () => {
    const exported = await exportFile()
    const headerOf = (edit: (h: Record<string, unknown>) => void) => (lines: string[]) => {
      const value = JSON.parse(lines[0] as string)
      edit(value)
      lines[0] = JSON.stringify(value)
      return lines
    }
    const cases: [(lines: string[]) => string[], string][] = [
      [(lines) => ['not json', ...lines.slice(1)], 'line 1: not an audit export header'],
      [headerOf((h) => (h.format = 'latch-audit-export/2')), 'line 1: format "latch-audit'],
      [headerOf((h) => delete h.from), 'line 1: not the header: missing from'],
      [headerOf((h) => (h.size = '5300')), 'line 1: size is not'],
      [headerOf((h) => (h.exportedAt = '2026-11-27')), 'line 1: exportedAt is not'],
      [headerOf((h) => (h.from = { size: 1000 })), 'line 1: not from: missing headHash'],
      [
        (lines) => {
          const value = JSON.parse(lines[2] as string)
          value.checkpoint.size = 1999
          lines[2] = JSON.stringify(value)
          return lines
        },
        'line 3: checkpoint.size 1999 is not the size its note signs (2000)',
      ],
      [
        (lines) => {
          lines[3] = '{"checkpoint":{"size":3000,"note":"x"}}'
          return lines
        },
        'line 4: not checkpoint: missing signedAt',
      ],
    ]
    for (const [edit, message] of cases) {
      const file = await editLines(exported, edit)
      await expect(readAuditExport(createReadStream(file)), message).rejects.toMatchObject({
        code: 'ERR_AUDIT_EXPORT_INVALID',
        message: expect.stringContaining(message),
      })
    }
    const empty = join(dir, 'empty.jsonl')
    await writeFile(empty, '')
    await expect(readAuditExport(createReadStream(empty))).rejects.toMatchObject({
      code: 'ERR_AUDIT_EXPORT_INVALID',
      message: expect.stringContaining('empty'),
    })
  })

  it('bounds the line length, so a file without newlines cannot fill memory', async () => {
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 100; i++) yield Buffer.alloc(1024, 0x41)
      })(),
    )
    await expect(readAuditExport(source, { maxLineBytes: 10_000 })).rejects.toMatchObject({
      code: 'ERR_AUDIT_EXPORT_INVALID',
      message: 'audit export line 1: longer than 10000 bytes',
    })
  })

  it('reads chunks of any size, strings or bytes', async () => {
    const text = await readFile(await exportFile(), 'utf8')
    async function* pieces() {
      for (let i = 0; i < text.length; i += 997) {
        const piece = text.slice(i, i + 997)
        yield i % 2 === 0 ? piece : Buffer.from(piece)
      }
    }
    const report = await verifyAuditLog({ ...(await readAuditExport(pieces())), key })
    expect(report).toMatchObject({ ok: true, records: N, problems: [] })
  })

  it('writes with backpressure: the sources are read only as fast as the output drains', async () => {
    let pulled = 0
    let written = 0
    let ahead = 0
    function* rows() {
      for (const row of chain.rows) {
        pulled++
        ahead = Math.max(ahead, pulled - written)
        yield row
      }
    }
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        for (const byte of chunk) if (byte === 0x0a) written++
        setTimeout(callback, 1)
      },
    })
    await writeExport(slow, { header, checkpoints, rows: rows() })
    expect(written).toBe(1 + checkpoints.length + N)
    // A few 64 KiB chunks in flight (about 80 lines each), never the whole chain.
    expect(ahead).toBeLessThan(600)
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    function* rows() {
      for (const row of chain.rows) {
        if (row.seq === 2000) controller.abort()
        yield row
      }
    }
    const sink = new Writable({ write: (_c, _e, callback) => setImmediate(callback) })
    await expect(
      writeExport(sink, { header, checkpoints, rows: rows() }, controller.signal),
    ).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('refuses a header it cannot write, before writing anything', () => {
    for (const bad of [
      { size: -1 },
      { headHash: Buffer.alloc(31) },
      { exportedAt: new Date(Number.NaN) },
      { from: { size: 1.5, headHash: Buffer.alloc(32) } },
    ]) {
      expect(() =>
        encodeAuditExport({ header: { ...header, ...bad }, checkpoints, rows: [] }),
      ).toThrowError(expect.objectContaining({ code: 'ERR_AUDIT_ARGUMENT_INVALID' }))
    }
  })
})
