import {
  type AuditRow,
  type AuditValue,
  genesisHash,
  noteHash,
  sealRecord,
  signCheckpoint,
} from '@latch/audit'
import { prng, signer, T0 } from './audit-chain.js'

/** When the test checkpointer signs: the server's rule (a timer, and a record count). */
export const CHECKPOINT_EVERY_MS = 60_000
export const CHECKPOINT_EVERY_RECORDS = 1_000

/**
 * A long chain built as the server builds it (its `auditEvent` drafts sealed by `sealRecord`, notes
 * by `signCheckpoint`), its record bytes held in large arenas and its hashes in one buffer (a
 * million records take about 0.6 GB), with one row object per record over them.
 */
export interface RealisticChain {
  readonly origin: string
  /** Number of records. */
  readonly size: number
  /** The notes in stored order, and the size each signs. */
  readonly notes: readonly string[]
  readonly sizes: readonly number[]
  /** A time at which the chain is fresh (just after its last record). */
  readonly now: Date
  /** The row of `seq` (1 … size). */
  row(seq: number): AuditRow
  /** The stored hash `h_seq` (the genesis hash for 0). */
  hash(seq: number): Uint8Array
  /** The record time of `seq`, ISO 8601. */
  time(seq: number): string
  /** The rows after `seq`, in order. */
  rowsAfter(seq: number): Generator<AuditRow>
}

const ARENA_BYTES = 64 * 1024 * 1024

/**
 * Builds a chain of `size` records with a day's traffic shape: a rate that swings between about
 * 1 and 60 records per second, with quiet spells, so that some checkpoints close on the record
 * count, others on the timer, and some intervals are empty (the same size signed again). The
 * records are the events the server writes: key releases (most), denials with their reasons,
 * policy creation, objects, changes, token creation and failed authentications.
 */
export function buildRealisticChain(options: {
  size: number
  seed?: number
  origin?: string
}): RealisticChain {
  const origin = options.origin ?? 'latch-audit/t1-million'
  const size = options.size
  const random = prng(options.seed ?? 1)
  const events = new EventSource(random)
  const arenas: Buffer[] = [Buffer.allocUnsafe(ARENA_BYTES)]
  let arenaUsed = 0
  const where = new Float64Array(size + 1)
  const lengths = new Uint32Array(size + 1)
  const hashes = Buffer.allocUnsafe((size + 1) * 32)
  const times = new Float64Array(size + 1)
  const notes: string[] = []
  const sizes: number[] = []
  let head: Uint8Array = genesisHash(origin)
  head.forEach((b, i) => {
    hashes[i] = b
  })
  let signed = 0
  let previousNote: string | undefined
  const sign = (covered: number, at: number) => {
    const note = signCheckpoint(
      {
        origin,
        size: covered,
        headHash: head,
        time: new Date(at),
        previousNoteHash: previousNote === undefined ? undefined : noteHash(previousNote),
      },
      signer,
    )
    notes.push(note)
    sizes.push(covered)
    previousNote = note
    signed = covered
  }

  let now = T0
  let nextTick = T0 + CHECKPOINT_EVERY_MS
  for (let seq = 1; seq <= size; seq++) {
    now += arrivalGap(now, random)
    // The timer signs the head as it is, empty intervals included.
    while (nextTick <= now) {
      sign(seq - 1, nextTick)
      nextTick += CHECKPOINT_EVERY_MS
    }
    const time = new Date(now).toISOString()
    const sealed = sealRecord(events.next(), seq, time, head)
    const bytes = sealed.recordBytes
    if (arenaUsed + bytes.length > ARENA_BYTES) {
      arenas.push(Buffer.allocUnsafe(ARENA_BYTES))
      arenaUsed = 0
    }
    const arena = arenas.length - 1
    bytes.copy(arenas[arena] as Buffer, arenaUsed)
    where[seq] = arena * ARENA_BYTES + arenaUsed
    lengths[seq] = bytes.length
    arenaUsed += bytes.length
    sealed.entryHash.copy(hashes, seq * 32)
    times[seq] = now
    head = sealed.entryHash
    if (seq - signed >= CHECKPOINT_EVERY_RECORDS) sign(seq, now + 5)
  }

  // The row objects are made once the chain is built: made as it grows, they would make every
  // collection of the old generation walk a growing heap (a third longer build).
  const rows: AuditRow[] = new Array(size + 1)
  for (let seq = 1; seq <= size; seq++) {
    const at = where[seq] as number
    const arena = arenas[Math.floor(at / ARENA_BYTES)] as Buffer
    const offset = at % ARENA_BYTES
    rows[seq] = {
      seq,
      recordBytes: arena.subarray(offset, offset + (lengths[seq] as number)),
      entryHash: hashes.subarray(seq * 32, seq * 32 + 32),
    }
  }
  const row = (seq: number): AuditRow => rows[seq] as AuditRow
  return {
    origin,
    size,
    notes,
    sizes,
    now: new Date(now + 1000),
    row,
    hash: (seq) => hashes.subarray(seq * 32, seq * 32 + 32),
    time: (seq) => new Date(times[seq] as number).toISOString(),
    *rowsAfter(seq) {
      for (let s = seq + 1; s <= size; s++) yield row(s)
    },
  }
}

/** Milliseconds to the next record: exponential gaps at a rate that follows the time of day. */
function arrivalGap(now: number, random: () => number): number {
  const minutes = (now - T0) / 60_000
  // A two-hour swell between 1/s and 60/s, and a quiet ten minutes in every three hours.
  const swell = 1 + 59 * (0.5 + 0.5 * Math.sin((minutes / 120) * 2 * Math.PI))
  const perSecond = minutes % 180 < 10 ? 0.02 : swell
  return Math.max(1, Math.round((-Math.log(1 - random()) / perSecond) * 1000))
}

const DENIALS = ['not_reader', 'revoked', 'expired', 'policy_unknown', 'binding', 'key_unknown']
const CHANGES: EventType[] = [
  'policy.share',
  'policy.unshare',
  'policy.expire',
  'policy.revoke',
  'policy.unrevoke',
]
const AGENT_NAMES = ['café', 'Zoë “Ops”', 'back\\slash', 'tab\tname']

/** The event types the key server writes (`docs/audit-events.md`) that these chains hold. */
type EventType =
  | 'policy.create'
  | 'policy.object.add'
  | 'policy.share'
  | 'policy.unshare'
  | 'policy.expire'
  | 'policy.revoke'
  | 'policy.unrevoke'
  | 'token.create'
  | 'key.release'
  | 'key.release.denied'
  | 'auth.failed'

/** A caller as the key server's records name it (`actor`). */
interface Caller {
  readonly email: string
  readonly scheme: 'token' | 'oidc'
  readonly tokenId: string
  readonly issuer: string | undefined
}

/** The request an event came from. */
interface RequestMeta {
  readonly requestId: string
  readonly sourceIp: string
}

type Draft = Readonly<Record<string, AuditValue>>

/**
 * A draft as the key server's `auditEvent` builds it: the type, the actor, the request, and the
 * event's own fields (those `undefined` left out).
 */
function eventDraft(
  type: EventType,
  caller: Caller | undefined,
  meta: RequestMeta,
  fields: Readonly<Record<string, AuditValue | undefined>>,
): Draft {
  const actor: Record<string, AuditValue> =
    caller === undefined
      ? { email: 'unauthenticated' }
      : { email: caller.email, scheme: caller.scheme, token_id: caller.tokenId }
  if (caller?.issuer !== undefined) actor.iss = caller.issuer
  const draft: Record<string, AuditValue> = {
    type,
    actor,
    request_id: meta.requestId,
    source_ip: meta.sourceIp,
  }
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) draft[name] = value
  }
  return draft
}

/** Drafts of the events a busy key server emits, from a seeded PRNG. */
export class EventSource {
  readonly #random: () => number
  readonly #users: Caller[] = []
  readonly #policies: { id: string; owner: string; readers: string[]; version: number }[] = []
  #requests = 0

  constructor(random: () => number) {
    this.#random = random
    for (let i = 0; i < 200; i++) {
      const oidc = i % 4 === 0
      this.#users.push({
        email: `${i % 10 === 0 ? 'ops' : 'user'}${i}@${i % 3 === 0 ? 'example.com' : 'corp.example'}`,
        scheme: oidc ? 'oidc' : 'token',
        tokenId: this.#id(oidc ? 22 : 12),
        issuer: oidc ? 'https://idp.example.com/realms/latch' : undefined,
      })
    }
    for (let i = 0; i < 500; i++) this.#newPolicy()
  }

  /** The next event's draft. */
  next(): Draft {
    const r = this.#random()
    const caller = this.#pick(this.#users)
    const meta: RequestMeta = {
      requestId: `req-${(++this.#requests).toString(36)}-${this.#id(8)}`,
      sourceIp: `10.${Math.floor(this.#random() * 4)}.${Math.floor(this.#random() * 256)}.${Math.floor(this.#random() * 256)}`,
    }
    if (r < 0.9) return this.#release(caller, meta, r < 0.78)
    if (r < 0.94) {
      const policy = this.#pick(this.#policies)
      return eventDraft('policy.object.add', caller, meta, {
        policy_id: policy.id,
        policy_version: policy.version,
        object_id: this.#id(22),
        core_hash: this.#id(43),
        bucket: 'reports',
        key: `2026/${this.#id(6)}/q${Math.floor(this.#random() * 4) + 1}-${this.#pick(AGENT_NAMES)}.pdf`,
      })
    }
    if (r < 0.96) {
      const policy = this.#newPolicy()
      return eventDraft('policy.create', caller, meta, {
        policy_id: policy.id,
        after: { owner: policy.owner, readers: policy.readers, expires_at: null, labels: {} },
      })
    }
    if (r < 0.98) {
      const policy = this.#pick(this.#policies)
      const type = this.#pick(CHANGES)
      const before = this.#state(policy)
      policy.version++
      return eventDraft(type, caller, meta, {
        policy_id: policy.id,
        reason: type === 'policy.revoke' ? 'laptop lost' : undefined,
        before,
        after: this.#state(policy),
      })
    }
    if (r < 0.99) {
      return eventDraft('token.create', caller, meta, {
        email: caller.email,
        token_id: this.#id(12),
      })
    }
    return eventDraft('auth.failed', undefined, meta, {
      route: '/v1/rewrap',
      reason: this.#random() < 0.5 ? 'missing' : 'invalid',
    })
  }

  #release(caller: Caller, meta: RequestMeta, permit: boolean): Draft {
    const policy = this.#pick(this.#policies)
    return eventDraft(permit ? 'key.release' : 'key.release.denied', caller, meta, {
      decision: permit ? 'permit' : 'deny',
      reason: permit ? (policy.owner === caller.email ? 'owner' : 'reader') : this.#pick(DENIALS),
      policy_id: policy.id,
      policy_version: policy.version,
      object_id: this.#id(22),
      core_hash: this.#id(43),
      kid: 'x25519-20261127-abcdef01',
      sid: `s${Math.floor(this.#random() * 3)}`,
      n: Math.floor(this.#random() * 3),
      client_key: this.#id(43),
    })
  }

  #newPolicy() {
    const owner = this.#pick(this.#users).email
    const readers = Array.from(
      { length: Math.floor(this.#random() * 4) },
      () => this.#pick(this.#users).email,
    )
    const policy = { id: `p-${this.#id(22)}`, owner, readers, version: 1 }
    this.#policies.push(policy)
    return policy
  }

  #state(policy: { readers: string[]; version: number }): AuditValue {
    return { readers: policy.readers, expires_at: null, revoked: false, version: policy.version }
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)] as T
  }

  #id(length: number): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    let out = ''
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.#random() * 64)]
    return out
  }
}
