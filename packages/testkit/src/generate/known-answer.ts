import { createHash } from 'node:crypto'
import { SEGMENT_SIZE } from '@latch/format'
import { patternSha256 } from '../pattern.js'
import type { KnownAnswerVector, VectorKey } from '../vector.js'
import { type BuildSpec, buildObject } from './build-object.js'

const S = SEGMENT_SIZE
const ONE = [['kas-a-1']]
const TWO = [['kas-a-1'], ['kas-b-1']]

/** Objects up to this size are committed whole; larger ones by size and SHA-256. */
export const INLINE_LIMIT = 256 * 1024

/** The known-answer vectors: every size boundary of the segmenting, one and two shares. */
export const KNOWN_ANSWER_SPECS: readonly (BuildSpec & { readonly comment: string })[] = [
  { name: 'size-0', plaintextLength: 0, sharesTo: ONE, comment: 'empty: one empty final segment' },
  { name: 'size-1', plaintextLength: 1, sharesTo: ONE, comment: 'one byte' },
  {
    name: 'size-s-minus-1',
    plaintextLength: S - 1,
    sharesTo: ONE,
    comment: 'longest single segment',
  },
  { name: 'size-s', plaintextLength: S, sharesTo: ONE, comment: 'one full segment, empty final' },
  { name: 'size-s-plus-1', plaintextLength: S + 1, sharesTo: ONE, comment: 'full + 1-byte final' },
  {
    name: 'size-2s-minus-1',
    plaintextLength: 2 * S - 1,
    sharesTo: ONE,
    comment: 'full + longest final',
  },
  { name: 'size-2s', plaintextLength: 2 * S, sharesTo: ONE, comment: 'two full, empty final' },
  {
    name: 'segments-255',
    plaintextLength: 254 * S + 7,
    sharesTo: ONE,
    comment: 'index 254 is final',
  },
  { name: 'segments-256', plaintextLength: 255 * S + 7, sharesTo: ONE, comment: 'final index 255' },
  {
    name: 'segments-257',
    plaintextLength: 256 * S,
    sharesTo: ONE,
    comment: 'counter carries into the second byte (index 256, empty final)',
  },
  { name: 'segments-258', plaintextLength: 257 * S + 7, sharesTo: ONE, comment: 'final index 257' },
  {
    name: 'segments-129-part-end',
    plaintextLength: 128 * S,
    sharesTo: ONE,
    comment: 'the default multipart part (128 segments) ends exactly at the end of the data',
  },
  {
    name: 'segments-65537',
    plaintextLength: 65_536 * S,
    sharesTo: ONE,
    comment: '4 GiB: counter carries into the third byte (index 65,536, empty final)',
  },
  { name: 'two-shares-size-0', plaintextLength: 0, sharesTo: TWO, comment: 'XOR split, empty' },
  { name: 'two-shares-size-1', plaintextLength: 1, sharesTo: TWO, comment: 'XOR split' },
  { name: 'two-shares-size-s', plaintextLength: S, sharesTo: TWO, comment: 'XOR split' },
  { name: 'two-shares-size-s-plus-1', plaintextLength: S + 1, sharesTo: TWO, comment: 'XOR split' },
  { name: 'two-shares-size-2s', plaintextLength: 2 * S, sharesTo: TWO, comment: 'XOR split' },
  {
    name: 'alternatives',
    plaintextLength: 100,
    sharesTo: [['kas-a-1', 'kas-b-1']],
    comment: 'one share wrapped to two key servers: either can release it',
  },
  {
    name: 'two-shares-alternatives',
    plaintextLength: 1000,
    sharesTo: [
      ['kas-a-1', 'kas-c-1'],
      ['kas-b-1', 'kas-c-1'],
    ],
    comment: 'four entries: each of two shares for two servers',
  },
  {
    name: 'policy-id-255',
    plaintextLength: 10,
    sharesTo: ONE,
    policyId: `p:${'x'.repeat(249)}.1-_`,
    comment: 'longest policy id, every allowed punctuation',
  },
  {
    name: 'rotated-key',
    plaintextLength: 10,
    sharesTo: [['kas-a-2']],
    comment: "kas-a's second key",
  },
  {
    name: 'size-s-plus-1-rewrapped',
    plaintextLength: S + 1,
    sharesTo: [['kas-b-1']],
    materialOf: 'size-s-plus-1',
    comment:
      'size-s-plus-1 re-wrapped to kas-b: same core and body, new entries, commitment and MAC',
  },
]

/** Builds one known-answer vector. */
export function knownAnswerVector(
  keys: readonly VectorKey[],
  spec: BuildSpec & { readonly comment: string },
): KnownAnswerVector {
  const built = buildObject(keys, spec, INLINE_LIMIT)
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
  const vector: KnownAnswerVector = {
    name: spec.name,
    comment: spec.comment,
    policy_id: built.policyId,
    shares_to: spec.sharesTo,
    material: {
      object_id: hex(built.material.objectId),
      salt: hex(built.material.salt),
      shares: built.material.shares.map(hex),
      wraps: (built.material.wraps ?? []).map((w) => ({
        ephemeral_private_key: hex(w.ephemeralPrivateKey ?? new Uint8Array()),
        cek: hex(w.cek),
        iv: hex(w.iv),
      })),
    },
    dek: hex(built.dek),
    core_hash: hex(built.header.coreHash),
    payload_key: hex(built.keys.payloadKey.export()),
    commitment: hex(built.keys.commitment),
    mac_key: hex(built.keys.macKey),
    plaintext_length: spec.plaintextLength,
    plaintext_sha256: patternSha256(spec.plaintextLength),
    header: hex(built.header.bytes),
    object_size: built.objectSize,
    object_sha256: built.objectSha256,
  }
  if (
    built.object !== undefined &&
    createHash('sha256').update(built.object).digest('hex') !== built.objectSha256
  ) {
    throw new Error(`${spec.name}: kept bytes disagree with the hash`)
  }
  return built.object === undefined
    ? vector
    : { ...vector, object: built.object.toString('base64') }
}
