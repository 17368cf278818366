import {
  ENCRYPTED_SEGMENT_SIZE as E,
  importX25519PublicKey,
  type KeyEntry,
  SEGMENT_SIZE as S,
} from '@latch/format'
import { deriveObjectKeys, encodeHeader, wrapShareWithMaterial } from '@latch/format/testing'
import type { VectorKey, VectorStage } from '../vector.js'
import { type BuiltObject, buildObject, recipientFor, seedBytes } from './build-object.js'
import {
  b64u,
  bodyOf,
  bytesOf,
  editProtectedHeader,
  flip,
  flipJwePart,
  headerSizeOf,
  hmacSha256,
  layoutOf,
  patternSegment,
  put,
  reheader,
  sealRaw,
  segmentOf,
  sha256,
  u16,
  u32,
  withJwePart,
  withSegments,
} from './edit.js'

/** One negative vector before it is written: what must happen, and how to make the object. */
export interface NegativeSpec {
  readonly name: string
  readonly group: string
  readonly comment: string
  readonly expect: VectorStage
  readonly expectWithDek?: VectorStage
  readonly code: string
  readonly bufferCode?: string
  readonly kasPreference?: readonly string[]
  /** Plaintext bytes a streaming reader releases before the failure (a prefix of the pattern). */
  readonly released: number
  readonly base: BuiltObject
  readonly object: Buffer
}

const HEADER = 'ERR_FORMAT_HEADER_INVALID'
const VERSION = 'ERR_FORMAT_VERSION_UNSUPPORTED'
const DECRYPT = 'ERR_FORMAT_DECRYPT_FAILED'
const LENGTH = 'ERR_FORMAT_LENGTH_INVALID'

/** Every negative vector, grouped as in docs/FORMAT.md §"Conformance". */
export function negativeSpecs(keys: readonly VectorKey[]): NegativeSpec[] {
  const build = (name: string, plaintextLength: number, sharesTo: string[][] = [['kas-a-1']]) =>
    buildObject(keys, { name, plaintextLength, sharesTo })
  const tiny = build('base-tiny', 100)
  const split = build('base-split', 100, [['kas-a-1'], ['kas-b-1']])
  const full = build('base-s', S)
  const two = build('base-two', S + 100)
  const three = build('base-three', 2 * S + 100)
  const other = build('base-other', 2 * S + 100)
  const again = build('base-three-again', 2 * S + 100)
  const alt = build('base-alternatives', 100, [['kas-a-1', 'kas-b-1']])
  const H = headerSizeOf
  const entries = (b: BuiltObject) => b.header.entries
  const firstEntry = (b: BuiltObject) => entries(b)[0] as KeyEntry
  const withEntryJwe = (b: BuiltObject, jwe: string, macKey?: Uint8Array) =>
    reheader(b, { entries: [{ ...firstEntry(b), jwe }], ...(macKey ? { macKey } : {}) })
  const tinyEntry = layoutOf(tiny).entries[0] as ReturnType<typeof layoutOf>['entries'][0]
  const tinyJwe = firstEntry(tiny).jwe
  const bindingOf = (b: BuiltObject, sid = 1, n = 1) => ({
    policyId: b.policyId,
    objectId: b64u(b.header.core.objectId),
    coreHash: b64u(b.header.coreHash),
    sid,
    n,
  })
  let wraps = 0
  const rewrap = (b: BuiltObject, share: Uint8Array, kid: string, sid = 1, n = 1, label = kid) => {
    const seed = `rewrap-${++wraps}`
    const material = {
      ephemeralPrivateKey: seedBytes('epk', seed),
      cek: seedBytes('cek', seed),
      iv: seedBytes('iv', seed, 12),
    }
    const publicKey = importX25519PublicKey(recipientFor(keys, kid).publicKey as Uint8Array)
    return wrapShareWithMaterial(share, { kid: label, publicKey }, bindingOf(b, sid, n), material)
  }
  /** A consistent header for the same data key under another core (a re-wrap that changed it). */
  const headerForCore = (b: BuiltObject, coreBytes: Buffer) => {
    const hc = sha256(coreBytes)
    const derived = deriveObjectKeys(b.dek, coreBytes.subarray(24, 56), hc)
    const binding = { ...bindingOf(b), coreHash: b64u(hc) }
    const jwe = wrapShareWithMaterial(
      b.material.shares[0] as Uint8Array,
      {
        kid: 'kas-a-1',
        publicKey: importX25519PublicKey(recipientFor(keys, 'kas-a-1').publicKey as Uint8Array),
      },
      binding,
      {
        ephemeralPrivateKey: seedBytes('epk', 'core'),
        cek: seedBytes('cek', 'core'),
        iv: seedBytes('iv', 'core', 12),
      },
    )
    return encodeHeader(coreBytes, [{ ...firstEntry(b), jwe }], derived)
  }
  const attackerMacKey = seedBytes('attacker', 'mac')
  const header = (name: string, comment: string, object: Buffer, code = HEADER): NegativeSpec => ({
    name,
    group: 'A',
    comment,
    expect: 'header failure',
    code,
    released: 0,
    base: tiny,
    object,
  })
  const kasDeny = (
    name: string,
    comment: string,
    object: Buffer,
    withDek: VectorStage,
  ): NegativeSpec => ({
    name,
    group: 'A',
    comment,
    expect: 'kas deny',
    expectWithDek: withDek,
    code: DECRYPT,
    released: 0,
    base: tiny,
    object,
  })
  const payload = (
    group: string,
    name: string,
    comment: string,
    base: BuiltObject,
    object: Buffer,
    released: number,
  ): NegativeSpec => ({
    name,
    group,
    comment,
    expect: 'payload failure',
    code: DECRYPT,
    released,
    base,
    object,
  })
  const length = (
    name: string,
    comment: string,
    base: BuiltObject,
    object: Buffer,
    released: number,
  ): NegativeSpec => ({
    name,
    group: 'C',
    comment,
    expect: 'length failure',
    code: LENGTH,
    released,
    base,
    object,
  })
  const t = bytesOf(tiny)
  const jweWithJson = (edit: (h: Record<string, unknown>) => string) =>
    withEntryJwe(tiny, editProtectedHeader(tinyJwe, edit))
  const json = (h: Record<string, unknown>) => JSON.stringify(h)

  return [
    // --- A: header parsing, bounds and the JWE profile ---
    header('a-magic-first-bit', 'first bit of the magic flipped', flip(t, 0, 0)),
    header('a-magic-last-bit', 'last bit of the magic flipped', flip(t, 3, 7)),
    header('a-version-2', 'version 2', put(t, 4, [2]), VERSION),
    header('a-version-0', 'version 0', put(t, 4, [0]), VERSION),
    header('a-suite-2', 'suite 0x0002', put(t, 5, [0, 2]), VERSION),
    header('a-segment-log2-17', 'seg_log2 17 (128 KiB segments)', put(t, 7, [17]), VERSION),
    header('a-segment-log2-12', 'seg_log2 12 (4 KiB segments)', put(t, 7, [12]), VERSION),
    header('a-header-len-0', 'header_len 0', put(t, 8, u32(0))),
    header('a-header-len-127', 'header_len 127, below the minimum', put(t, 8, u32(127))),
    header(
      'a-header-len-plus-1',
      'header_len one more than the fields',
      put(t, 8, u32(H(tiny) + 1)),
    ),
    header(
      'a-header-len-minus-1',
      'header_len one less than the fields',
      put(t, 8, u32(H(tiny) - 1)),
    ),
    header('a-header-len-16385', 'header_len above the 16 KiB cap', put(t, 8, u32(16_385))),
    header('a-header-len-max', 'header_len 0xFFFFFFFF', put(t, 8, u32(0xffffffff))),
    header('a-header-len-past-end', 'object ends inside the header', t.subarray(0, H(tiny) - 10)),
    header('a-reserved', 'reserved bytes not zero', put(t, 12, [0, 0, 0, 1])),
    header('a-object-id-bit', 'object id bit flipped: entries bound to another id', flip(t, 16)),
    header(
      'a-salt-bit',
      'salt bit flipped: header-core hash no longer matches the entries',
      flip(t, 40),
    ),
    header(
      'a-policy-id-char',
      'policy id changed: entries bound to another policy',
      put(t, 65, [0x71]),
    ),
    header('a-pid-len-0', 'empty policy id', put(t, 64, [0])),
    header('a-pid-non-ascii', 'policy id with a non-ASCII byte', put(t, 65, [0xc3])),
    header('a-pid-len-255-short', 'pid_len 255 runs into the entries', put(t, 64, [255])),
    header('a-entry-count-0', 'no key entry', put(t, layoutOf(tiny).entryCount, [0])),
    header(
      'a-entry-count-5',
      'five valid entries (the cap is 4)',
      reheader(tiny, {
        entries: ['kas-a-1', 'kas-b-1', 'kas-c-1', 'kas-d-1', 'kas-e-1'].map((kid) => ({
          sid: 1,
          n: 1,
          kasId: recipientFor(keys, kid).kasId,
          jwe: rewrap(tiny, tiny.material.shares[0] as Uint8Array, kid),
        })),
      }),
    ),
    header('a-kas-id-len-0', 'empty key-server id', put(t, tinyEntry.kasIdLength, [0])),
    header(
      'a-kas-id-len-65',
      'key-server id of 65 characters',
      reheader(tiny, { entries: [{ ...firstEntry(tiny), kasId: 'k'.repeat(65) }] }),
    ),
    header(
      'a-kas-id-bad-char',
      'key-server id with a space',
      reheader(tiny, { entries: [{ ...firstEntry(tiny), kasId: 'kas a' }] }),
    ),
    header('a-jwe-len-0', 'jwe_len 0', put(t, tinyEntry.jweLength, u16(0))),
    header('a-jwe-len-65535', 'jwe_len 65,535', put(t, tinyEntry.jweLength, u16(65_535))),
    header(
      'a-jwe-len-2049',
      'a JWE of 2,049 characters',
      withEntryJwe(tiny, `${tinyJwe}${'A'.repeat(2049 - tinyJwe.length)}`),
    ),
    header('a-sid-0', 'share index 0', put(t, tinyEntry.sid, [0])),
    header('a-sid-above-n', 'share index 2 of 1', put(t, tinyEntry.sid, [2])),
    header('a-n-3', 'three shares required', put(t, tinyEntry.n, [3])),
    {
      ...header(
        'a-n-mixed',
        'two entries disagree on n',
        put(bytesOf(split), layoutOf(split).entries[0]?.n ?? 0, [1]),
      ),
      base: split,
    },
    header(
      'a-duplicate-entry',
      'the same (sid, key server) twice',
      reheader(tiny, { entries: [firstEntry(tiny), firstEntry(tiny)] }),
    ),
    {
      ...header(
        'a-missing-share',
        'n = 2 but no entry for share 2',
        reheader(split, { entries: [firstEntry(split)] }),
      ),
      base: split,
    },
    header(
      'a-jwe-padding',
      'JWE part with = padding',
      withEntryJwe(tiny, withJwePart(tinyJwe, 2, `${tinyJwe.split('.')[2]}=`)),
    ),
    header(
      'a-jwe-four-parts',
      'JWE with four parts',
      withEntryJwe(tiny, tinyJwe.split('.').slice(0, 4).join('.')),
    ),
    header('a-jwe-six-parts', 'JWE with six parts', withEntryJwe(tiny, `${tinyJwe}.AAAA`)),
    header('a-jwe-whitespace', 'JWE with a space', withEntryJwe(tiny, tinyJwe.replace('.', ' .'))),
    header(
      'a-jwe-noncanonical-base64url',
      'JWE tag whose last character has non-zero unused bits',
      withEntryJwe(
        tiny,
        tinyJwe.replace(/.$/, (c) => (c === 'B' ? 'C' : 'B')),
      ),
    ),
    header(
      'a-jwe-zip',
      'protected header with zip',
      jweWithJson((h) => json({ ...h, zip: 'DEF' })),
    ),
    header(
      'a-jwe-crit',
      'protected header with crit',
      jweWithJson((h) => json({ ...h, crit: ['exp'], exp: 1 })),
    ),
    header(
      'a-jwe-alg-dir',
      'alg dir',
      jweWithJson((h) => json({ ...h, alg: 'dir' })),
    ),
    header(
      'a-jwe-alg-pbes2',
      'alg PBES2 with a huge p2c',
      jweWithJson((h) =>
        json({ ...h, alg: 'PBES2-HS256+A128KW', p2c: 2 ** 31, p2s: 'AAAAAAAAAAA' }),
      ),
    ),
    header(
      'a-jwe-alg-rsa1-5',
      'alg RSA1_5',
      jweWithJson((h) => json({ ...h, alg: 'RSA1_5' })),
    ),
    header(
      'a-jwe-enc-a128gcm',
      'enc A128GCM',
      jweWithJson((h) => json({ ...h, enc: 'A128GCM' })),
    ),
    header(
      'a-jwe-json-whitespace',
      'protected header JSON with white space',
      jweWithJson((h) => JSON.stringify(h, null, 1)),
    ),
    header(
      'a-jwe-duplicate-member',
      'protected header with pid twice',
      jweWithJson((h) => json(h).replace('"pid":', '"pid":"other","pid":')),
    ),
    header(
      'a-jwe-reordered',
      'protected header members reordered',
      jweWithJson(({ alg, ...rest }) => json({ ...rest, alg })),
    ),
    kasDeny(
      'a-jwe-encrypted-key-bit',
      'bit flipped in the AES-KW wrapped key',
      withEntryJwe(tiny, flipJwePart(tinyJwe, 1)),
      'success',
    ),
    kasDeny(
      'a-jwe-iv-bit',
      'bit flipped in the JWE IV',
      withEntryJwe(tiny, flipJwePart(tinyJwe, 2)),
      'success',
    ),
    kasDeny(
      'a-jwe-ciphertext-bit',
      'bit flipped in the wrapped share',
      withEntryJwe(tiny, flipJwePart(tinyJwe, 3)),
      'success',
    ),
    kasDeny(
      'a-jwe-tag-bit',
      'bit flipped in the JWE tag',
      withEntryJwe(tiny, flipJwePart(tinyJwe, 4)),
      'success',
    ),
    kasDeny(
      'a-jwe-epk-changed',
      'another valid ephemeral public key',
      withEntryJwe(
        tiny,
        editProtectedHeader(tinyJwe, (h) =>
          json({ ...h, epk: { ...(h.epk as object), x: b64u(seedBytes('epk', 'other')) } }),
        ),
      ),
      'success',
    ),
    kasDeny(
      'a-jwe-epk-low-order',
      'epk is a low-order point (all-zero shared secret)',
      withEntryJwe(
        tiny,
        editProtectedHeader(tinyJwe, (h) =>
          json({ ...h, epk: { ...(h.epk as object), x: 'A'.repeat(43) } }),
        ),
      ),
      'success',
    ),
    {
      ...header('a-commitment-bit', 'commitment bit flipped', flip(t, H(tiny) - 64)),
      expect: 'commitment failure',
      code: DECRYPT,
    },
    {
      ...header('a-mac-bit', 'header MAC bit flipped', flip(t, H(tiny) - 1)),
      expect: 'header-mac failure',
      code: DECRYPT,
    },
    header(
      'a-header-len-covers-extra-bytes',
      'a malicious writer counts 4 extra bytes before the commitment in header_len and MACs them',
      (() => {
        const h = tiny.header.bytes
        const fields = Buffer.concat([
          Buffer.from(h.subarray(0, H(tiny) - 64)),
          Buffer.alloc(4),
          Buffer.from(tiny.keys.commitment),
        ])
        fields.set(u32(H(tiny) + 4), 8)
        const mac = hmacSha256(tiny.keys.macKey, fields)
        return Buffer.concat([fields, mac, bodyOf(tiny)])
      })(),
    ),

    // --- B: payload bit flips ---
    payload(
      'B',
      'b-segment-0-ciphertext',
      'bit flipped in segment 0',
      two,
      flip(bytesOf(two), H(two) + 10),
      0,
    ),
    payload(
      'B',
      'b-segment-0-tag',
      'bit flipped in the tag of segment 0',
      two,
      flip(bytesOf(two), H(two) + E - 1),
      0,
    ),
    payload(
      'B',
      'b-middle-segment',
      'bit flipped in segment 1 of 3',
      three,
      flip(bytesOf(three), H(three) + E + 5),
      S,
    ),
    payload(
      'B',
      'b-last-full-tag',
      'bit flipped in the tag of the last full segment',
      three,
      flip(bytesOf(three), H(three) + 2 * E - 1),
      S,
    ),
    payload(
      'B',
      'b-final-ciphertext',
      'bit flipped in the short final segment',
      two,
      flip(bytesOf(two), H(two) + E + 3),
      S,
    ),
    payload(
      'B',
      'b-final-tag',
      'bit flipped in the tag of the final segment',
      two,
      flip(bytesOf(two), -1),
      S,
    ),
    payload(
      'B',
      'b-empty-final-tag',
      'bit flipped in the tag of an empty final segment',
      full,
      flip(bytesOf(full), -1),
      S,
    ),

    // --- C: truncation and extension ---
    length('c-drop-final', 'final segment removed', two, bytesOf(two).subarray(0, H(two) + E), S),
    length(
      'c-drop-final-and-one',
      'final and last full segment removed',
      three,
      bytesOf(three).subarray(0, H(three) + E),
      S,
    ),
    length(
      'c-drop-empty-final',
      'empty final segment removed',
      full,
      bytesOf(full).subarray(0, H(full) + E),
      S,
    ),
    length(
      'c-leave-15',
      '15 bytes of the final segment left',
      two,
      bytesOf(two).subarray(0, H(two) + E + 15),
      S,
    ),
    length('c-header-only', 'the header and no body', tiny, bytesOf(tiny).subarray(0, H(tiny)), 0),
    payload('C', 'c-truncate-1', 'last byte removed', two, bytesOf(two).subarray(0, -1), S),
    payload(
      'C',
      'c-leave-16',
      'exactly 16 bytes of the final segment left',
      two,
      bytesOf(two).subarray(0, H(two) + E + 16),
      S,
    ),
    payload(
      'C',
      'c-cut-mid-segment',
      'cut in the middle of segment 1',
      three,
      bytesOf(three).subarray(0, H(three) + E + 1000),
      S,
    ),
    payload(
      'C',
      'c-append-1',
      'one byte appended',
      two,
      Buffer.concat([bytesOf(two), Buffer.of(0)]),
      S,
    ),
    payload(
      'C',
      'c-append-16',
      '16 bytes appended',
      two,
      Buffer.concat([bytesOf(two), Buffer.alloc(16)]),
      S,
    ),
    payload(
      'C',
      'c-append-final-copy',
      'a copy of the final segment appended',
      two,
      Buffer.concat([bytesOf(two), segmentOf(two, 1)]),
      S,
    ),
    payload(
      'C',
      'c-append-foreign-segment',
      "another object's segment appended",
      two,
      Buffer.concat([bytesOf(two), segmentOf(other, 0)]),
      S,
    ),
    { ...header('c-zero-bytes', 'an empty object', Buffer.alloc(0)), group: 'C' },
    { ...header('c-eleven-bytes', 'the first 11 bytes only', t.subarray(0, 11)), group: 'C' },

    // --- D: reordering, duplication, splicing ---
    payload(
      'D',
      'd-swap-0-1',
      'segments 0 and 1 swapped',
      three,
      withSegments(three, [segmentOf(three, 1), segmentOf(three, 0), segmentOf(three, 2)]),
      0,
    ),
    payload(
      'D',
      'd-swap-middle-final',
      'segment 1 and the final segment swapped',
      three,
      withSegments(three, [segmentOf(three, 0), segmentOf(three, 2), segmentOf(three, 1)]),
      S,
    ),
    payload(
      'D',
      'd-duplicate-0',
      'segment 0 inserted again after itself',
      three,
      withSegments(three, [
        segmentOf(three, 0),
        segmentOf(three, 0),
        segmentOf(three, 1),
        segmentOf(three, 2),
      ]),
      S,
    ),
    payload(
      'D',
      'd-overwrite-1-with-0',
      'segment 1 replaced by segment 0',
      three,
      withSegments(three, [segmentOf(three, 0), segmentOf(three, 0), segmentOf(three, 2)]),
      S,
    ),
    payload(
      'D',
      'd-drop-middle',
      'segment 1 removed',
      three,
      withSegments(three, [segmentOf(three, 0), segmentOf(three, 2)]),
      S,
    ),
    payload(
      'D',
      'd-splice-foreign',
      'segment 1 from another object',
      three,
      withSegments(three, [segmentOf(three, 0), segmentOf(other, 1), segmentOf(three, 2)]),
      S,
    ),
    payload(
      'D',
      'd-splice-reencrypted',
      'segment 1 from the same plaintext encrypted again under a new header',
      three,
      withSegments(three, [segmentOf(three, 0), segmentOf(again, 1), segmentOf(three, 2)]),
      S,
    ),

    // --- E: the final flag and the short-final rule ---
    payload(
      'E',
      'e-final-flag-0',
      'final segment sealed with flag 0',
      two,
      withSegments(two, [segmentOf(two, 0), sealRaw(two.keys, 1, false, patternSegment(1, 100))]),
      S,
    ),
    payload(
      'E',
      'e-nonfinal-flag-1',
      'segment 0 sealed with flag 1',
      two,
      withSegments(two, [sealRaw(two.keys, 0, true, patternSegment(0, S)), segmentOf(two, 1)]),
      0,
    ),
    payload(
      'E',
      'e-two-finals',
      'segment 1 of 3 sealed with flag 1',
      three,
      withSegments(three, [
        segmentOf(three, 0),
        sealRaw(three.keys, 1, true, patternSegment(1, S)),
        segmentOf(three, 2),
      ]),
      S,
    ),
    {
      ...payload(
        'E',
        'e-full-final',
        'a full segment flagged final ends the object (no short final)',
        full,
        withSegments(full, [sealRaw(full.keys, 0, true, patternSegment(0, S))]),
        0,
      ),
      expect: 'length failure',
      bufferCode: LENGTH,
    },
    payload(
      'E',
      'e-short-nonfinal',
      'segment 0 short and flagged non-final, then a final segment',
      tiny,
      withSegments(tiny, [
        sealRaw(tiny.keys, 0, false, patternSegment(0, 100)),
        sealRaw(tiny.keys, 1, true, patternSegment(1, 100)),
      ]),
      0,
    ),
    payload(
      'E',
      'e-final-index-skipped',
      'final segment sealed as index 2 of 2',
      two,
      withSegments(two, [segmentOf(two, 0), sealRaw(two.keys, 2, true, patternSegment(1, 100))]),
      S,
    ),

    // --- G: swaps and binding ---
    payload(
      'G',
      'g-header-swap',
      'header of one object on the body of another (same policy, same key server)',
      three,
      Buffer.concat([three.header.bytes, bodyOf(other)]),
      0,
    ),
    {
      ...kasDeny(
        'g-policy-swap',
        'policy id changed in the header and, consistently, pid and hc in the JWE protected header',
        (() => {
          const core = Buffer.from(tiny.header.coreBytes)
          core.set(Buffer.from('policy-2'), core.length - 8)
          const hc = b64u(sha256(core))
          const jwe = editProtectedHeader(tinyJwe, (h) => json({ ...h, pid: 'policy-2', hc }))
          return reheader(tiny, {
            coreBytes: core,
            entries: [{ ...firstEntry(tiny), jwe }],
            macKey: attackerMacKey,
          })
        })(),
        'commitment failure',
      ),
      group: 'G',
    },
    {
      ...header(
        'g-jwe-from-other-object',
        'the JWE of another object (same key server and kid)',
        withEntryJwe(tiny, firstEntry(other).jwe, attackerMacKey),
      ),
      group: 'G',
    },
    {
      ...kasDeny(
        'g-jwe-from-other-object-rebound',
        "another object's JWE with its protected header edited to this object's oid and hc",
        withEntryJwe(
          tiny,
          editProtectedHeader(firstEntry(other).jwe, (h) =>
            json({ ...h, oid: bindingOf(tiny).objectId, hc: bindingOf(tiny).coreHash }),
          ),
          attackerMacKey,
        ),
        'header-mac failure',
      ),
      group: 'G',
    },
    {
      ...kasDeny(
        'g-jwe-for-other-server',
        "entry names kas-a but the JWE is for kas-b's key and kid",
        withEntryJwe(tiny, rewrap(tiny, tiny.material.shares[0] as Uint8Array, 'kas-b-1')),
        'success',
      ),
      group: 'G',
    },
    {
      ...kasDeny(
        'g-unknown-kid',
        'kid that kas-a does not have',
        withEntryJwe(
          tiny,
          rewrap(tiny, tiny.material.shares[0] as Uint8Array, 'kas-a-1', 1, 1, 'kas-a-9'),
        ),
        'success',
      ),
      group: 'G',
    },
    {
      ...kasDeny(
        'g-wrong-key-for-kid',
        "kid kas-a-1 on a JWE wrapped to kas-b's key",
        withEntryJwe(
          tiny,
          rewrap(tiny, tiny.material.shares[0] as Uint8Array, 'kas-b-1', 1, 1, 'kas-a-1'),
        ),
        'success',
      ),
      group: 'G',
    },
    payload(
      'G',
      'g-rewrap-changed-core',
      'a re-wrap that changed the salt: the header is valid for the data key but the body is not',
      two,
      (() => {
        const core = Buffer.from(two.header.coreBytes)
        core.set(seedBytes('salt', 'rewrap'), 24)
        return Buffer.concat([headerForCore(two, core), bodyOf(two)])
      })(),
      0,
    ),

    // --- H: key commitment and splits ---
    {
      name: 'h-entry-wraps-other-key',
      group: 'H',
      comment:
        'the entry wraps a second key D2 and the MAC is under D2, but the commitment is for D1',
      expect: 'commitment failure',
      expectWithDek: 'header-mac failure',
      code: DECRYPT,
      released: 0,
      base: tiny,
      object: (() => {
        const d2 = seedBytes('share', 'd2')
        const keys2 = deriveObjectKeys(d2, tiny.material.salt, tiny.header.coreHash)
        return reheader(tiny, {
          entries: [{ ...firstEntry(tiny), jwe: rewrap(tiny, d2, 'kas-a-1') }],
          macKey: keys2.macKey,
        })
      })(),
    },
    {
      name: 'h-split-wrong-share',
      group: 'H',
      comment: 'share 2 replaced by a random share, correctly bound',
      expect: 'commitment failure',
      expectWithDek: 'success',
      code: DECRYPT,
      released: 0,
      base: split,
      object: reheader(split, {
        entries: [
          firstEntry(split),
          {
            ...(entries(split)[1] as KeyEntry),
            jwe: rewrap(split, seedBytes('random-share', 'split'), 'kas-b-1', 2, 2),
          },
        ],
      }),
    },
    {
      name: 'h-alternatives-disagree',
      group: 'H',
      comment:
        'two alternatives for share 1 wrap different shares: the one from kas-b is caught by the commitment',
      expect: 'commitment failure',
      expectWithDek: 'success',
      code: DECRYPT,
      kasPreference: ['kas-b'],
      released: 0,
      base: alt,
      object: reheader(alt, {
        entries: [
          firstEntry(alt),
          {
            ...(entries(alt)[1] as KeyEntry),
            jwe: rewrap(alt, seedBytes('random-share', 'alt'), 'kas-b-1'),
          },
        ],
      }),
    },
  ]
}
