import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { fc, test } from '@fast-check/vitest'
import {
  AuditError,
  type Checkpoint,
  type CheckpointSigner,
  type CheckpointVerifierKey,
  checkpointKeyId,
  noteHash,
  parseCheckpointNote,
  signCheckpoint,
  verifyCheckpointNote,
} from '@latch/audit'
import { describe, expect, it } from 'vitest'
import { ed25519FromSeed } from './audit-chain.js'

// A low number of runs by default; SLOW=1 runs the full figure (10⁵ for the mutation property).
const runs = (n: number, slow: number) => ({ numRuns: process.env.SLOW === '1' ? slow : n })

const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const vectorPair = ed25519FromSeed(seed)
const vectorSigner: CheckpointSigner = {
  name: 'latch-checkpoint-vector',
  privateKey: vectorPair.privateKey,
}
const vectorKey: CheckpointVerifierKey = {
  name: vectorSigner.name,
  publicKey: vectorPair.publicKey,
}
const sha256 = (text: string) => createHash('sha256').update(text).digest()

// Ed25519 is deterministic, so these notes are fixed by the format: a change to them is a change
// to the checkpoint format.
const VECTOR_FIRST =
  'latch-audit/vector\n0\n24fO5SUEylcyutSd2x1bhVHAEcGJGZbViqyuR/Zlhe0=\nts 2026-11-27T10:00:00.000Z\nprev none\n\n— latch-checkpoint-vector K86AQ0ftKgXhokw+iz7KovLg7Xg+g5dQpi7QKCc9oKDEIEaQJfivxmii1SokBdPSjtgXdSOWIV2XP5b7eZYger+RXQo=\n'
const VECTOR_SECOND =
  'latch-audit/vector\n3\nl/tfhTi4n2wazP0Zg2tlpzth+8Lgy/hLuFig//o/FZI=\nts 2026-11-27T10:01:00.000Z\nprev tagf8AcOeKY8c1y5TvuU2m4stmsByRwuc5j5zvDTsAE=\n\n— latch-checkpoint-vector K86AQ7ehBnMvLH8BwRKULDlH0DMibgkFhyvN02dbqEfoGWF9jSd/T74yn51FxpBaPHVjTCM3hmvSodmFhf/MP6syfgw=\n'

const pair = generateKeyPairSync('ed25519')
const signer: CheckpointSigner = { name: 'latch-checkpoint-test', privateKey: pair.privateKey }
const key: CheckpointVerifierKey = { name: signer.name, publicKey: pair.publicKey }
const checkpoint: Checkpoint = {
  origin: 'latch-audit/t',
  size: 1234,
  headHash: sha256('head'),
  time: new Date('2026-11-27T10:00:00.000Z'),
  previousNoteHash: sha256('previous note'),
}
const note = signCheckpoint(checkpoint, signer)
const body = note.slice(0, note.indexOf('\n\n') + 1)

/** A note over any body, correctly signed by `by`: rejections must come from the format rules. */
function signedNote(text: string, by: CheckpointSigner = signer): string {
  const blob = Buffer.concat([
    checkpointKeyId(by.name, by.privateKey),
    sign(null, Buffer.from(text, 'utf8'), by.privateKey),
  ])
  return `${text}\n— ${by.name} ${blob.toString('base64')}\n`
}

/** The body with line `index` replaced, signed. */
function withLine(index: number, line: string): string {
  const lines = body.slice(0, -1).split('\n')
  lines[index] = line
  return signedNote(`${lines.join('\n')}\n`)
}

function rejects(text: string, reason: RegExp, verifier: CheckpointVerifierKey = key) {
  let caught: unknown
  try {
    verifyCheckpointNote(text, verifier)
  } catch (error) {
    caught = error
  }
  expect(caught, JSON.stringify(text)).toBeInstanceOf(AuditError)
  expect(caught).toMatchObject({ code: 'ERR_AUDIT_CHECKPOINT_INVALID' })
  expect((caught as Error).message).toMatch(reason)
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

describe('signCheckpoint and verifyCheckpointNote', () => {
  it('round-trips a checkpoint and writes the exact C2SP layout', () => {
    expect(verifyCheckpointNote(note, key)).toEqual(checkpoint)
    expect(note).toMatch(
      /^latch-audit\/t\n1234\n[A-Za-z0-9+/]{43}=\nts 2026-11-27T10:00:00\.000Z\nprev [A-Za-z0-9+/]{43}=\n\n— latch-checkpoint-test [A-Za-z0-9+/]{91}=\n$/,
    )
    const parsed = parseCheckpointNote(note)
    expect(parsed.body).toBe(body)
    expect(parsed.keyName).toBe(signer.name)
    expect(Buffer.from(parsed.keyId)).toEqual(checkpointKeyId(signer.name, pair.publicKey))
    expect(parsed.signature).toHaveLength(64)
  })

  it('writes "prev none" for the first checkpoint and reads it back as undefined', () => {
    const first = signCheckpoint({ ...checkpoint, size: 0, previousNoteHash: undefined }, signer)
    expect(first.split('\n')[4]).toBe('prev none')
    expect(verifyCheckpointNote(first, key).previousNoteHash).toBeUndefined()
  })

  it('matches the committed vectors (fixed key, deterministic Ed25519)', () => {
    const first = signCheckpoint(
      {
        origin: 'latch-audit/vector',
        size: 0,
        headHash: sha256('h0'),
        time: new Date('2026-11-27T10:00:00.000Z'),
        previousNoteHash: undefined,
      },
      vectorSigner,
    )
    expect(first).toBe(VECTOR_FIRST)
    const second = signCheckpoint(
      {
        origin: 'latch-audit/vector',
        size: 3,
        headHash: sha256('h3'),
        time: new Date('2026-11-27T10:01:00.000Z'),
        previousNoteHash: noteHash(first),
      },
      vectorSigner,
    )
    expect(second).toBe(VECTOR_SECOND)
    expect(verifyCheckpointNote(VECTOR_SECOND, vectorKey).size).toBe(3)
    expect(checkpointKeyId(vectorSigner.name, vectorPair.publicKey).toString('hex')).toBe(
      '2bce8043',
    )
  })

  it('computes the key id and signature layout of the Go sumdb/note vector (PeterNeumann)', () => {
    // golang.org/x/mod/sumdb/note, note_test.go: an independent implementation of signed notes.
    const skey = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
    const text =
      "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    const blob =
      'x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM='
    const goSeed = Buffer.from(skey.split('+').slice(4).join('+'), 'base64').subarray(1)
    const peter = ed25519FromSeed(goSeed)
    expect(checkpointKeyId('PeterNeumann', peter.publicKey).toString('hex')).toBe('c74f20a3')
    const ours = signedNote(text, { name: 'PeterNeumann', privateKey: peter.privateKey })
    expect(ours).toBe(`${text}\n— PeterNeumann ${blob}\n`)
  })

  it('hashes the full note text for the next prev', () => {
    expect(noteHash(note)).toEqual(createHash('sha256').update(note, 'utf8').digest())
  })

  it('refuses to sign what it could not write as a valid note (ERR_AUDIT_ARGUMENT_INVALID)', () => {
    const bad: [Partial<Checkpoint>, RegExp][] = [
      [{ origin: 'has space' }, /origin/],
      [{ origin: 'has+plus' }, /origin/],
      [{ origin: '' }, /origin/],
      [{ size: -1 }, /size/],
      [{ size: 1.5 }, /size/],
      [{ size: 2 ** 53 }, /size/],
      [{ headHash: new Uint8Array(31) }, /head hash/],
      [{ previousNoteHash: new Uint8Array(33) }, /previous/],
      [{ time: new Date(Number.NaN) }, /time/],
      [{ time: new Date('+010000-01-01T00:00:00.000Z') }, /time/],
    ]
    for (const [change, reason] of bad) {
      expect(() => signCheckpoint({ ...checkpoint, ...change }, signer)).toThrow(reason)
    }
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    for (const [name, privateKey] of [
      ['bad name', pair.privateKey],
      ['x'.repeat(65), pair.privateKey],
      ['ok', ec],
      ['ok', pair.publicKey],
    ] as [string, KeyObject][]) {
      expect(() => signCheckpoint(checkpoint, { name, privateKey })).toThrowError(
        expect.objectContaining({ code: 'ERR_AUDIT_ARGUMENT_INVALID' }),
      )
    }
  })
})

describe('verifyCheckpointNote rejects every malformed or foreign note', () => {
  const goodHead = b64(checkpoint.headHash)
  const cases: [string, string, RegExp][] = [
    // --- Structure ---
    ['no final newline', note.slice(0, -1), /end with a newline/],
    ['CRLF line ends', note.replaceAll('\n', '\r\n'), /end with a newline|blank line|lines|origin/],
    ['no blank line', note.replace('\n\n', '\n'), /no blank line/],
    ['an extra body line', signedNote(`${body}merkle ${goodHead}\n`), /5 lines, found 6/],
    ['a missing body line', signedNote(body.replace(/prev .*\n/, '')), /5 lines, found 4/],
    ['lines reordered', withLine(1, `ts 2026-11-27T10:00:00.000Z`), /size/],
    ['two signature lines', note + note.slice(note.indexOf('\n\n') + 2), /exactly one signature/],
    ['no signature line', `${body}\n`, /signature line/],
    ['a trailing blank line', `${note}\n`, /exactly one signature/],
    ['text after the signature', `${note}junk\n`, /exactly one signature/],
    ['an ASCII dash', note.replace('— ', '- '), /signature line/],
    ['no space after the dash', note.replace('— ', '—'), /signature line/],
    [
      'a longer note than any valid one',
      signedNote(`${'a'.repeat(1000)}${body.slice(13)}`),
      /longer/,
    ],
    // --- Origin ---
    ['an empty origin', withLine(0, ''), /origin/],
    ['an origin with a space', withLine(0, 'latch audit'), /origin/],
    ['an origin with a plus', withLine(0, 'latch+audit'), /origin/],
    ['a non-ASCII origin', withLine(0, 'latch-audité'), /origin/],
    // --- Size ---
    ['a leading zero', withLine(1, '01234'), /canonical decimal/],
    ['a plus sign', withLine(1, '+1234'), /canonical decimal/],
    ['a negative size', withLine(1, '-1'), /canonical decimal/],
    ['a space in the size', withLine(1, ' 1234'), /canonical decimal/],
    ['a decimal point', withLine(1, '1234.0'), /canonical decimal/],
    ['an exponent', withLine(1, '1e3'), /canonical decimal/],
    ['an unsafe integer', withLine(1, '9007199254740992'), /safe integer/],
    ['an empty size (a blank line too early)', withLine(1, ''), /exactly one signature/],
    // --- Head hash ---
    ['no padding', withLine(2, goodHead.replace('=', '')), /head hash/],
    ['URL-safe base64', withLine(2, Buffer.alloc(32, 0xfb).toString('base64url')), /head hash/],
    ['31 bytes', withLine(2, b64(new Uint8Array(31).fill(1))), /head hash/],
    ['33 bytes', withLine(2, b64(new Uint8Array(33).fill(1))), /head hash/],
    ['non-zero padding bits', withLine(2, nonCanonicalBase64(checkpoint.headHash)), /head hash/],
    ['a hex head', withLine(2, Buffer.from(checkpoint.headHash).toString('hex')), /head hash/],
    // --- Time ---
    ['no milliseconds', withLine(3, 'ts 2026-11-27T10:00:00Z'), /RFC 3339/],
    ['an offset', withLine(3, 'ts 2026-11-27T10:00:00.000+00:00'), /RFC 3339/],
    ['lower case', withLine(3, 'ts 2026-11-27t10:00:00.000z'), /RFC 3339/],
    ['an impossible date', withLine(3, 'ts 2026-02-30T10:00:00.000Z'), /RFC 3339/],
    ['a space for T', withLine(3, 'ts 2026-11-27 10:00:00.000Z'), /RFC 3339/],
    ['two spaces', withLine(3, 'ts  2026-11-27T10:00:00.000Z'), /RFC 3339/],
    ['another keyword', withLine(3, 'Ts 2026-11-27T10:00:00.000Z'), /"ts <time>"/],
    // --- Prev ---
    ['an empty prev', withLine(4, 'prev '), /prev/],
    ['"None"', withLine(4, 'prev None'), /prev/],
    ['a trailing space', withLine(4, 'prev none '), /prev/],
    ['a non-canonical prev', withLine(4, `prev ${nonCanonicalBase64(sha256('p'))}`), /prev/],
    ['a 31-byte prev', withLine(4, `prev ${b64(new Uint8Array(31))}`), /prev/],
    ['another keyword', withLine(4, `previous ${goodHead}`), /"prev <hash \| none>"/],
    // --- Signature line ---
    ['a key name with a plus', note.replace(signer.name, 'latch+checkpoint'), /key name/],
    ['three fields', note.replace(`— ${signer.name}`, `— ${signer.name} x`), /signature line/],
    ['a short signature', note.replace(/ [^ ]+\n$/, ` ${b64(new Uint8Array(67))}\n`), /68 bytes/],
    ['a long signature', note.replace(/ [^ ]+\n$/, ` ${b64(new Uint8Array(69))}\n`), /68 bytes/],
    [
      'a non-canonical signature',
      note.replace(
        / [^ ]+\n$/,
        ` ${nonCanonicalBase64(parseCheckpointNote(note).keyId, parseCheckpointNote(note).signature)}\n`,
      ),
      /68 bytes/,
    ],
    // --- Key and signature ---
    [
      'another key name',
      signedNote(body, { ...signer, name: 'latch-checkpoint-other' }),
      /signed by key "latch-checkpoint-other"/,
    ],
    [
      'another key under our name',
      signedNote(body, {
        name: signer.name,
        privateKey: generateKeyPairSync('ed25519').privateKey,
      }),
      /key id/,
    ],
    ['a flipped signature bit', flipSignatureBit(note, 40), /does not verify/],
    ['a changed key id', flipSignatureBit(note, 0), /key id/],
    ['a changed size, old signature', note.replace('\n1234\n', '\n1235\n'), /does not verify/],
    [
      'a changed head, old signature',
      note.replace(goodHead, b64(sha256('other'))),
      /does not verify/,
    ],
  ]

  for (const [name, text, reason] of cases) {
    it(`rejects ${name}`, () => rejects(text, reason))
  }

  it('rejects a valid note under a key of the same name that is not ours', () => {
    const other: CheckpointVerifierKey = {
      name: signer.name,
      publicKey: generateKeyPairSync('ed25519').publicKey,
    }
    rejects(note, /key id/, other)
  })

  it('throws ERR_AUDIT_ARGUMENT_INVALID, not a note error, for a verifier key that is not Ed25519', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey
    expect(() => verifyCheckpointNote(note, { name: signer.name, publicKey: ec })).toThrowError(
      expect.objectContaining({ code: 'ERR_AUDIT_ARGUMENT_INVALID' }),
    )
  })
})

describe('checkpoint note properties', () => {
  const origins = fc.stringMatching(/^[\x21-\x2a\x2c-\x7e]{1,64}$/)
  const hashes = fc.uint8Array({ minLength: 32, maxLength: 32 })
  const checkpoints = fc.record({
    origin: origins,
    size: fc.maxSafeNat(),
    headHash: hashes,
    time: fc.date({
      min: new Date('0000-01-01T00:00:00.000Z'),
      max: new Date('9999-12-31T23:59:59.999Z'),
      noInvalidDate: true,
    }),
    previousNoteHash: fc.option(hashes, { nil: undefined }),
  })

  test.prop([checkpoints], runs(200, 20_000))('verify ∘ sign = id', (value) => {
    const plain = (c: Checkpoint) => ({
      ...c,
      headHash: b64(c.headHash),
      previousNoteHash: c.previousNoteHash && b64(c.previousNoteHash),
    })
    expect(plain(verifyCheckpointNote(signCheckpoint(value, signer), key))).toEqual(plain(value))
  })

  const characters = fc.oneof(
    fc.constantFrom('\n', ' ', '—', '-', '=', '+', '/', 'A', '0', '1', '\r', 't', 's'),
    fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
  )
  const edits = fc.array(
    fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('insert', 'delete', 'replace'),
      char: characters,
    }),
    { minLength: 1, maxLength: 4 },
  )

  test.prop([edits], runs(500, 100_000))(
    'no edit of a valid note verifies unless it is a no-op',
    (list) => {
      let text = note
      for (const { at, kind, char } of list) {
        const i = at % (text.length + 1)
        if (kind === 'insert') text = text.slice(0, i) + char + text.slice(i)
        else if (kind === 'delete') text = text.slice(0, i) + text.slice(i + 1)
        else text = text.slice(0, i) + char + text.slice(i + 1)
      }
      if (text === note) return
      expect(() => verifyCheckpointNote(text, key)).toThrowError(
        expect.objectContaining({ code: 'ERR_AUDIT_CHECKPOINT_INVALID' }),
      )
    },
  )

  test.prop([fc.string({ unit: 'binary', maxLength: 600 })], runs(500, 20_000))(
    'parses arbitrary text only into ERR_AUDIT_CHECKPOINT_INVALID, never another error',
    (text) => {
      try {
        parseCheckpointNote(text)
      } catch (error) {
        expect(error).toBeInstanceOf(AuditError)
        expect(error).toMatchObject({ code: 'ERR_AUDIT_CHECKPOINT_INVALID' })
      }
    },
  )
})

/** Base64 of `parts` whose unused low bits of the last character are set: decodes the same. */
function nonCanonicalBase64(...parts: Uint8Array[]): string {
  const text = Buffer.concat(parts).toString('base64')
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  const last = text.replace(/=+$/, '').length - 1
  const changed = alphabet[alphabet.indexOf(text[last] as string) | 1] as string
  return text.slice(0, last) + changed + text.slice(last + 1)
}

/** The note with one bit of its signature blob flipped (byte 0–3 is the key id). */
function flipSignatureBit(text: string, byte: number): string {
  const parsed = parseCheckpointNote(text)
  const blob = Buffer.concat([parsed.keyId, parsed.signature])
  blob[byte] = (blob[byte] as number) ^ 1
  return text.replace(/ [^ ]+\n$/, ` ${blob.toString('base64')}\n`)
}
