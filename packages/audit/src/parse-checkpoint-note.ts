import type { Checkpoint } from './checkpoint.js'
import {
  decodeBase64,
  HASH_SIZE,
  ISO_TIME,
  noteInvalid as invalid,
  KEY_ID_SIZE,
  KEY_NAME,
  ORIGIN,
  SIGNATURE_SIZE,
} from './internal/note-syntax.js'

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

const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/
const SIGNATURE_LINE = /^\u2014 ([^ ]+) ([^ ]+)$/
const BODY_LINES = 5
// Far above any valid note (an origin of 255 plus about 260 bytes): refuse before any work.
const MAX_NOTE_LENGTH = 1024

/**
 * Parses a checkpoint note strictly, without checking its signature: exactly five body lines,
 * one blank line, exactly one signature line, and every field in its single canonical spelling
 * (decimal size without sign or leading zeros, padded standard base64 that re-encodes
 * identically, a time that `toISOString()` writes back identically). A note that could be
 * spelled two ways could carry two meanings past a careless comparison.
 *
 * @param note the note's full text.
 * @returns the checkpoint, the signature line's fields and the signed body.
 * @throws AuditError `ERR_AUDIT_CHECKPOINT_INVALID` naming the first rule broken.
 * @example
 * const { size, time } = parseCheckpointNote(note)
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
