import { AUDIT_RECORD_VERSION, canonicalJson } from '@latch/audit'
import { ServerError } from '../../errors.js'
import type { AuditDraft } from '../records.js'

/** A record's canonical bytes, cut where the values of its `seq` and `time` members go. */
export interface SplitRecord {
  /** The bytes before the decimal digits of `seq`. */
  readonly head: Buffer
  /** The bytes between them and the characters of `time` (inside its quotes). */
  readonly middle: Buffer
  /** The bytes after the characters of `time`. */
  readonly tail: Buffer
}

/**
 * Serializes a draft as the canonical JSON (RFC 8785) record `sealRecord` would make, with `seq`
 * and `time` left out, so that the database can put them in under its chain-head lock:
 * `head ‖ decimal(seq) ‖ middle ‖ time ‖ tail` is then byte for byte
 * `canonicalJson({ ...draft, v, seq, time })` for any positive integer `seq` and any time
 * written `YYYY-MM-DDTHH:MM:SS.sssZ` (neither needs escaping). The cut points are where two
 * serializations that differ only in those values differ.
 *
 * @throws AuditError `ERR_AUDIT_ARGUMENT_INVALID` when the draft cannot be serialized (from
 *   `canonicalJson`); ServerError `ERR_INTERNAL` when the two serializations do not differ in
 *   exactly the two places expected.
 */
export function splitRecord(draft: AuditDraft): SplitRecord {
  const one = Buffer.from(
    canonicalJson({ ...draft, v: AUDIT_RECORD_VERSION, seq: 1, time: 'a' }),
    'utf8',
  )
  const two = Buffer.from(
    canonicalJson({ ...draft, v: AUDIT_RECORD_VERSION, seq: 2, time: 'b' }),
    'utf8',
  )
  const cuts: number[] = []
  if (one.length === two.length) {
    for (let i = 0; i < one.length && cuts.length <= 2; i++) if (one[i] !== two[i]) cuts.push(i)
  }
  const [seqAt, timeAt] = cuts
  // "seq" sorts before "time": the first difference must be the digit, the second the letter.
  if (
    cuts.length !== 2 ||
    seqAt === undefined ||
    timeAt === undefined ||
    one[seqAt] !== 0x31 ||
    one[timeAt] !== 0x61
  ) {
    throw new ServerError('ERR_INTERNAL', 'audit record: cannot place seq and time')
  }
  return {
    head: one.subarray(0, seqAt),
    middle: one.subarray(seqAt + 1, timeAt),
    tail: one.subarray(timeAt + 1),
  }
}
