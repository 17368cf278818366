import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import {
  type AuditRow,
  type AuditValue,
  type AuditVerifyReport,
  type CheckpointSigner,
  type CheckpointVerifierKey,
  canonicalJson,
  chainHash,
  genesisHash,
  leafHash,
  noteHash,
  signCheckpoint,
  verifyAuditLog,
} from '@latch/audit'

/** Where the test chains start in time; record n is stamped `T0 + n × 10 ms`. */
export const T0 = Date.parse('2026-11-27T10:00:00.000Z')
export const ORIGIN = 'latch-audit/test-chain'

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** An Ed25519 key pair from a fixed seed, so that notes signed with it are reproducible. */
export function ed25519FromSeed(seed: Uint8Array): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  })
  return { privateKey, publicKey: createPublicKey(privateKey) }
}

const pair = generateKeyPairSync('ed25519')
/** The checkpoint signer of the test chains. */
export const signer: CheckpointSigner = {
  name: 'latch-checkpoint-test',
  privateKey: pair.privateKey,
}
/** The key the verifier trusts. */
export const key: CheckpointVerifierKey = { name: signer.name, publicKey: pair.publicKey }
/** An attacker's key under the same name: it can sign notes, but not with our key. */
export const attacker: CheckpointSigner = {
  name: signer.name,
  privateKey: generateKeyPairSync('ed25519').privateKey,
}

/** A small seeded PRNG (mulberry32): chains are reproducible from their seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const HEX = '0123456789abcdef'
const EXOTIC = [
  'café',
  'Zoë “quoted”',
  'tab\there',
  'line\nbreak',
  '😀 émoji',
  'back\\slash',
  '\u2028',
]

function hex(random: () => number, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += HEX[Math.floor(random() * 16)]
  return out
}

/**
 * A realistic audit record (about 400 bytes of canonical JSON). One in ten carries non-ASCII or
 * escaped text, so the verifier's slow path is exercised too.
 */
export function makeRecord(seq: number, random: () => number): AuditValue {
  const record: Record<string, AuditValue> = {
    v: 1,
    seq,
    time: new Date(T0 + seq * 10).toISOString(),
    type: random() < 0.8 ? 'key.release' : 'key.release.denied',
    actor: {
      email: `user${Math.floor(random() * 50)}@example.com`,
      scheme: 'bearer',
      token_id: hex(random, 16),
    },
    request_id: hex(random, 24),
    source_ip: `10.0.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`,
    policy_id: `pol_${hex(random, 16)}`,
    object_id: hex(random, 32),
    core_hash: hex(random, 43),
    kid: 'x25519-20261127-abcdef01',
    decision: random() < 0.8 ? 'permit' : 'deny',
    matched: [Math.floor(random() * 1000), Math.floor(random() * 1000)],
    dpop_bound: random() < 0.5,
  }
  if (random() < 0.1) record.user_agent = EXOTIC[Math.floor(random() * EXOTIC.length)] as string
  return record
}

/** A chain as the store would hold it, with the checkpoints the checkpointer would have signed. */
export interface TestChain {
  readonly origin: string
  readonly rows: readonly AuditRow[]
  readonly notes: readonly string[]
  /** The size each note signs, in note order. */
  readonly sizes: readonly number[]
  /** A time at which the chain is fresh (the last record's time). */
  readonly now: Date
}

/** How to build a chain: its length, where checkpoints fall, and the seed of its content. */
export interface ChainOptions {
  records: number
  /** A checkpoint after every `every` records (and none for a trailing partial interval). */
  every: number
  seed?: number
  origin?: string
  /** Also sign a checkpoint of size 0 first. */
  emptyFirst?: boolean
  /** Repeat each checkpoint this many times (empty intervals: same size, new note). */
  repeat?: number
}

/** Builds a valid chain with {@link makeRecord} records, exactly as the server would. */
export function buildChain(options: ChainOptions): TestChain {
  const origin = options.origin ?? ORIGIN
  const random = prng(options.seed ?? 1)
  const rows: AuditRow[] = []
  const notes: string[] = []
  const sizes: number[] = []
  let head = genesisHash(origin)
  const checkpoint = (size: number) => {
    for (let r = 0; r < (options.repeat ?? 1); r++) {
      const previous = notes.at(-1)
      notes.push(
        signCheckpoint(
          {
            origin,
            size,
            headHash: head,
            time: new Date(T0 + size * 10 + r),
            previousNoteHash: previous === undefined ? undefined : noteHash(previous),
          },
          signer,
        ),
      )
      sizes.push(size)
    }
  }
  if (options.emptyFirst === true) checkpoint(0)
  for (let seq = 1; seq <= options.records; seq++) {
    const recordBytes = Buffer.from(canonicalJson(makeRecord(seq, random)), 'utf8')
    head = chainHash(head, seq, leafHash(recordBytes))
    rows.push({ seq, recordBytes, entryHash: head })
    if (seq % options.every === 0) checkpoint(seq)
  }
  return { origin, rows, notes, sizes, now: new Date(T0 + options.records * 10 + 1000) }
}

/**
 * Recomputes the stored entry hashes from `rows[from]` on, chained from the stored hash before
 * it: what an attacker with write access to the table (and no signing key) can do.
 */
export function rehashFrom(origin: string, rows: AuditRow[], from: number): AuditRow[] {
  let head = from === 0 ? genesisHash(origin) : (rows[from - 1] as AuditRow).entryHash
  for (let i = from; i < rows.length; i++) {
    const row = rows[i] as AuditRow
    head = chainHash(head, row.seq, leafHash(row.recordBytes))
    rows[i] = { ...row, entryHash: head }
  }
  return rows
}

/** Signs a note as the checkpointer would, with any signer and fields. */
export function noteFor(
  fields: { origin?: string; size: number; headHash: Uint8Array; time?: Date; previous?: string },
  by: CheckpointSigner = signer,
): string {
  return signCheckpoint(
    {
      origin: fields.origin ?? ORIGIN,
      size: fields.size,
      headHash: fields.headHash,
      time: fields.time ?? new Date(T0 + fields.size * 10),
      previousNoteHash: fields.previous === undefined ? undefined : noteHash(fields.previous),
    },
    by,
  )
}

/** The bytes of `row`'s record with one byte replaced. */
export function withByte(row: AuditRow, index: number, value: number): AuditRow {
  const recordBytes = Buffer.from(row.recordBytes)
  recordBytes[index] = value
  return { ...row, recordBytes }
}

/** Where the hex value of `request_id` starts in a record: editing it keeps the record canonical. */
export function requestIdOffset(row: AuditRow): number {
  const at = Buffer.from(row.recordBytes).indexOf('"request_id":"')
  if (at < 0) throw new Error('record has no request_id')
  return at + '"request_id":"'.length
}

/** The record of a row as a value, to edit and re-serialize. */
export function recordOf(row: AuditRow): Record<string, AuditValue> {
  return JSON.parse(Buffer.from(row.recordBytes).toString('utf8')) as Record<string, AuditValue>
}

/** A row holding `record` at `seq`, its entry hash chained from `previous`. */
export function rowOf(record: AuditValue, seq: number, previous: Uint8Array): AuditRow {
  const recordBytes = Buffer.from(canonicalJson(record), 'utf8')
  return { seq, recordBytes, entryHash: chainHash(previous, seq, leafHash(recordBytes)) }
}

/** Verifies a chain (possibly edited) with the test key, fresh at the chain's own time. */
export function verify(
  chain: TestChain,
  edits: {
    rows?: readonly AuditRow[]
    notes?: readonly string[]
    headSize?: number
    now?: Date
  } = {},
): Promise<AuditVerifyReport> {
  return verifyAuditLog({
    origin: chain.origin,
    rows: edits.rows ?? chain.rows,
    notes: edits.notes ?? chain.notes,
    key,
    now: edits.now ?? chain.now,
    ...(edits.headSize === undefined ? {} : { headSize: edits.headSize }),
  })
}

/** The index of the first note whose size is at least `seq`: the checkpoint that covers it. */
export function coveringNote(chain: TestChain, seq: number): number {
  return chain.sizes.findIndex((size) => size >= seq)
}

/** The first seq of the interval that ends at note `index`. */
export function intervalStart(chain: TestChain, index: number): number {
  return index === 0 ? 1 : (chain.sizes[index - 1] as number) + 1
}

/** A low number of runs by default; SLOW=1 runs ten times more (≥ 1,000 per tampering class). */
export const runs = (n: number) => (process.env.SLOW === '1' ? n * 10 : n)
