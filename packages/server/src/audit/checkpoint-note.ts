import { createPublicKey, hash, type KeyObject, sign, verify } from 'node:crypto'
import { ServerError } from '../errors.js'

/**
 * What a checkpoint commits to: the chain of `origin` had `size` records and head `h_size` at
 * `time`, and the checkpoint before it is the note whose SHA-256 is `previousNoteHash`.
 */
export interface Checkpoint {
  /** The log's origin: printable ASCII without spaces or `+`, 1–255 characters. */
  origin: string
  /** The number of records covered (seq 1 to `size`); 0 for an empty log. */
  size: number
  /** `h_size`, 32 bytes (the genesis hash when `size` is 0). */
  headHash: Uint8Array
  /** When the checkpoint was signed (written with millisecond precision, UTC). */
  time: Date
  /** {@link noteHash} of the previous checkpoint's note, `undefined` for the first checkpoint. */
  previousNoteHash: Uint8Array | undefined
}

/** The Ed25519 key that signs checkpoints, and the name the notes give it. */
export interface CheckpointSigner {
  /** 1–64 characters of `A–Z a–z 0–9 . _ : -`. */
  name: string
  privateKey: KeyObject
}

/** The Ed25519 public key a verifier trusts for checkpoints, and its name. */
export interface CheckpointVerifierKey {
  name: string
  publicKey: KeyObject
}

/** A checkpoint note as parsed, before its signature is checked. */
export type ParsedCheckpointNote = Checkpoint & {
  /** The key name on the signature line. */
  keyName: string
  /** The 4-byte key id that prefixes the signature. */
  keyId: Uint8Array
  /** The 64-byte Ed25519 signature. */
  signature: Uint8Array
  /** The signed text: every line before the blank line, each ending in `\n`. */
  body: string
}

const ORIGIN = /^[\x21-\x2a\x2c-\x7e]{1,255}$/
const KEY_NAME = /^[A-Za-z0-9._:-]{1,64}$/
const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const SIGNATURE_LINE = /^\u2014 ([^ ]+) ([^ ]+)$/
const BODY_LINES = 5
const HASH_SIZE = 32
const KEY_ID_SIZE = 4
const ED25519_KEY_SIZE = 32
const SIGNATURE_SIZE = 64
// Far above any valid note (an origin of 255 plus about 260 bytes): refuse before any work.
const MAX_NOTE_LENGTH = 1024
// C2SP signed-note: the key hash of an Ed25519 key is SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).
const ED25519_ALGORITHM = 0x01
// DER SubjectPublicKeyInfo of an Ed25519 key: this 12-byte prefix, then the raw 32-byte key.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

// Exporting the key is most of the cost of a note's check: a KeyObject never changes, so its id
// under a name is computed once.
const keyIds = new WeakMap<KeyObject, Map<string, Buffer>>()

/**
 * Signs a checkpoint as a C2SP signed note:
 *
 * ```text
 * <origin>\n<size>\n<base64 head hash>\nts <RFC 3339 UTC, ms>\nprev <base64 | none>\n
 * \n
 * — <key name> <base64(key id ‖ Ed25519 signature)>\n
 * ```
 *
 * The signature covers the body: every byte before the blank line, including its final `\n`.
 *
 * @param checkpoint what to commit to.
 * @param signer an Ed25519 private key and its name.
 * @returns the note's full text (store it verbatim: the next note's `prev` hashes it).
 * @throws ServerError `ERR_INTERNAL` if the checkpoint or the key cannot be written as a valid
 *   note (bad origin or key name, size not a non-negative safe integer, hash not 32 bytes, time
 *   invalid or outside years 0000–9999, key not Ed25519).
 * @example
 * const note = signCheckpoint(
 *   { origin, size, headHash, time: new Date(), previousNoteHash: noteHash(lastNote) },
 *   signer,
 * )
 */
export function signCheckpoint(checkpoint: Checkpoint, signer: CheckpointSigner): string {
  const { origin, size, headHash, time, previousNoteHash } = checkpoint
  if (!ORIGIN.test(origin)) throw unsignable('origin must be printable ASCII without space or +')
  if (!Number.isSafeInteger(size) || size < 0) throw unsignable('size must be a safe integer ≥ 0')
  if (headHash.length !== HASH_SIZE) throw unsignable('head hash must be 32 bytes')
  if (previousNoteHash !== undefined && previousNoteHash.length !== HASH_SIZE) {
    throw unsignable('previous note hash must be 32 bytes')
  }
  const ts = Number.isNaN(time.getTime()) ? '' : time.toISOString()
  if (!ISO_TIME.test(ts)) throw unsignable('time must be a valid date in years 0000–9999')
  if (signer.privateKey.type !== 'private' || signer.privateKey.asymmetricKeyType !== 'ed25519') {
    throw unsignable('the signing key must be an Ed25519 private key')
  }
  const prev = previousNoteHash === undefined ? 'none' : base64(previousNoteHash)
  const body = `${origin}\n${size}\n${base64(headHash)}\nts ${ts}\nprev ${prev}\n`
  const keyId = checkpointKeyId(signer.name, signer.privateKey)
  const signature = sign(null, Buffer.from(body, 'utf8'), signer.privateKey)
  return `${body}\n\u2014 ${signer.name} ${Buffer.concat([keyId, signature]).toString('base64')}\n`
}

/**
 * Parses a checkpoint note strictly, without checking its signature: exactly five body lines,
 * one blank line, exactly one signature line, and every field in its single canonical spelling
 * (decimal size without sign or leading zeros, padded standard base64 that re-encodes
 * identically, a time that `toISOString()` writes back identically). A note that could be
 * spelled two ways could carry two meanings past a careless comparison.
 *
 * @param note the note's full text.
 * @returns the checkpoint, the signature line's fields and the signed body.
 * @throws ServerError `ERR_AUDIT_CHECKPOINT_INVALID` naming the first rule broken.
 */
export function parseCheckpointNote(note: string): ParsedCheckpointNote {
  if (note.length > MAX_NOTE_LENGTH) throw invalid('note is longer than 1024 characters')
  if (!note.endsWith('\n')) throw invalid('note does not end with a newline')
  const split = note.indexOf('\n\n')
  if (split < 0) throw invalid('no blank line between the body and the signature')
  const body = note.slice(0, split + 1)
  const signatures = note.slice(split + 2, -1).split('\n')
  if (signatures.length !== 1) throw invalid('a note must carry exactly one signature line')
  const lines = body.slice(0, -1).split('\n')
  if (lines.length !== BODY_LINES) {
    throw invalid(`the body must have ${BODY_LINES} lines, found ${lines.length}`)
  }
  const [origin, sizeText, headText, tsLine, prevLine] = lines as [
    string,
    string,
    string,
    string,
    string,
  ]
  if (!ORIGIN.test(origin)) throw invalid('origin line is not printable ASCII without space or +')
  if (!DECIMAL.test(sizeText)) throw invalid('size is not a canonical decimal')
  const size = Number(sizeText)
  if (!Number.isSafeInteger(size)) throw invalid('size is not a safe integer')
  const headHash = decodeBase64(headText, HASH_SIZE)
  if (headHash === undefined) throw invalid('head hash is not 32 bytes of canonical base64')
  if (!tsLine.startsWith('ts ')) throw invalid('fourth line is not "ts <time>"')
  const ts = tsLine.slice(3)
  const time = new Date(ts)
  if (!ISO_TIME.test(ts) || Number.isNaN(time.getTime()) || time.toISOString() !== ts) {
    throw invalid('ts is not a canonical RFC 3339 UTC time with milliseconds')
  }
  if (!prevLine.startsWith('prev ')) throw invalid('fifth line is not "prev <hash | none>"')
  const prevText = prevLine.slice(5)
  let previousNoteHash: Buffer | undefined
  if (prevText !== 'none') {
    previousNoteHash = decodeBase64(prevText, HASH_SIZE)
    if (previousNoteHash === undefined) {
      throw invalid('prev is neither "none" nor 32 bytes of canonical base64')
    }
  }
  const match = SIGNATURE_LINE.exec(signatures[0] as string)
  if (match === null) throw invalid('signature line is not "— <key name> <base64>"')
  const keyName = match[1] as string
  if (!KEY_NAME.test(keyName)) throw invalid('key name is not 1–64 of A–Z a–z 0–9 . _ : -')
  const blob = decodeBase64(match[2] as string, KEY_ID_SIZE + SIGNATURE_SIZE)
  if (blob === undefined) throw invalid('signature is not 68 bytes of canonical base64')
  return {
    origin,
    size,
    headHash,
    time,
    previousNoteHash,
    keyName,
    keyId: blob.subarray(0, KEY_ID_SIZE),
    signature: blob.subarray(KEY_ID_SIZE),
    body,
  }
}

/**
 * Parses a checkpoint note ({@link parseCheckpointNote}) and checks that it is signed by `key`:
 * the key name and the key id on the signature line must both match, and the Ed25519 signature
 * must verify over the body. Whether the origin is the expected one is the caller's check.
 *
 * @param note the note's full text.
 * @param key the trusted Ed25519 public key and its name.
 * @returns the checkpoint the note commits to.
 * @throws ServerError `ERR_AUDIT_CHECKPOINT_INVALID` naming the failure (a parse rule, another key
 *   name, another key id, a bad signature); `ERR_INTERNAL` if `key` is not an Ed25519 key.
 * @example
 * const checkpoint = verifyCheckpointNote(note, { name, publicKey })
 */
export function verifyCheckpointNote(note: string, key: CheckpointVerifierKey): Checkpoint {
  const expectedId = checkpointKeyId(key.name, key.publicKey)
  const parsed = parseCheckpointNote(note)
  if (parsed.keyName !== key.name) {
    throw invalid(`signed by key "${parsed.keyName}", expected "${key.name}"`)
  }
  if (!expectedId.equals(parsed.keyId)) throw invalid(`key id does not match key "${key.name}"`)
  if (!verify(null, Buffer.from(parsed.body, 'utf8'), key.publicKey, parsed.signature)) {
    throw invalid('signature does not verify')
  }
  return {
    origin: parsed.origin,
    size: parsed.size,
    headHash: parsed.headHash,
    time: parsed.time,
    previousNoteHash: parsed.previousNoteHash,
  }
}

/**
 * The hash that chains checkpoints: SHA-256 of the note's full text in UTF-8, carried on the
 * `prev` line of the next note.
 *
 * @param note the note's full text, exactly as stored.
 * @returns 32 bytes.
 */
export function noteHash(note: string): Buffer {
  return hash('sha256', note, 'buffer')
}

/**
 * The C2SP signed-note key id of an Ed25519 key: the first 4 bytes of
 * `SHA-256(UTF-8(name) ‖ 0x0A ‖ 0x01 ‖ raw 32-byte public key)`.
 *
 * @param name the key name.
 * @param publicKey the Ed25519 key (a private key is accepted and its public half used).
 * @returns 4 bytes.
 * @throws ServerError `ERR_INTERNAL` if the name is not a valid key name or the key is not
 *   Ed25519.
 */
export function checkpointKeyId(name: string, publicKey: KeyObject): Buffer {
  const cached = keyIds.get(publicKey)?.get(name)
  if (cached !== undefined) return Buffer.from(cached)
  if (!KEY_NAME.test(name)) throw unsignable('key name must be 1–64 of A–Z a–z 0–9 . _ : -')
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw unsignable('the checkpoint key must be an Ed25519 key')
  }
  const spki = (publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey).export({
    format: 'der',
    type: 'spki',
  })
  if (
    spki.length !== ED25519_SPKI_PREFIX.length + ED25519_KEY_SIZE ||
    !spki.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX)
  ) {
    throw unsignable('unexpected Ed25519 public key encoding')
  }
  const raw = spki.subarray(ED25519_SPKI_PREFIX.length)
  const preimage = Buffer.concat([
    Buffer.from(`${name}\n`, 'utf8'),
    Buffer.of(ED25519_ALGORITHM),
    raw,
  ])
  const id = hash('sha256', preimage, 'buffer').subarray(0, KEY_ID_SIZE)
  let byName = keyIds.get(publicKey)
  if (byName === undefined) {
    byName = new Map()
    keyIds.set(publicKey, byName)
  }
  byName.set(name, Buffer.from(id))
  return id
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

function decodeBase64(text: string, size: number): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64')
  // Node's decoder skips junk and accepts missing padding: only the one canonical spelling passes.
  return bytes.length === size && bytes.toString('base64') === text ? bytes : undefined
}

function invalid(reason: string): ServerError {
  return new ServerError('ERR_AUDIT_CHECKPOINT_INVALID', `checkpoint note: ${reason}`)
}

function unsignable(reason: string): ServerError {
  return new ServerError('ERR_INTERNAL', `checkpoint: ${reason}`)
}
