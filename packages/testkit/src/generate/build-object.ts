import { createHash } from 'node:crypto'
import {
  combineShares,
  type Header,
  importX25519PrivateKey,
  type KeyServerRecipient,
  type ObjectKeys,
  parseHeader,
} from '@latch/format'
import {
  createObjectWriterWithMaterial,
  deriveObjectKeys,
  type Emit,
  type ObjectMaterial,
  SegmentEncryptor,
  type WrapMaterial,
} from '@latch/format/testing'
import { patternChunks } from '../pattern.js'
import type { VectorKey } from '../vector.js'

/** An object built from fixed material, with everything a vector needs to describe it. */
export interface BuiltObject {
  readonly policyId: string
  readonly sharesTo: readonly (readonly string[])[]
  readonly material: ObjectMaterial
  readonly dek: Uint8Array
  readonly keys: ObjectKeys
  readonly header: Header
  readonly plaintextLength: number
  readonly objectSize: number
  readonly objectSha256: string
  /** The object's bytes, for objects up to `keepLimit`. */
  readonly object?: Buffer
}

/** 32 bytes (or fewer) derived from a label and a name: the vectors' fixed "randomness". */
export function seedBytes(label: string, name: string, size = 32): Buffer {
  return createHash('sha256').update(`latch-vector/${label}/${name}`).digest().subarray(0, size)
}

/** The fixed material of the object named `name`. */
export function materialFor(
  name: string,
  shareCount: number,
  entryCount: number,
): ObjectMaterial & { readonly wraps: readonly WrapMaterial[] } {
  return {
    objectId: seedBytes('object-id', name, 16),
    salt: seedBytes('salt', name),
    shares: Array.from({ length: shareCount }, (_, i) => seedBytes(`share-${i + 1}`, name)),
    wraps: Array.from({ length: entryCount }, (_, i) => ({
      ephemeralPrivateKey: seedBytes(`epk-${i + 1}`, name),
      cek: seedBytes(`cek-${i + 1}`, name),
      iv: seedBytes(`iv-${i + 1}`, name, 12),
    })),
  }
}

/** The recipient for a vector key id. */
export function recipientFor(keys: readonly VectorKey[], kid: string): KeyServerRecipient {
  const key = keys.find((k) => k.kid === kid)
  if (key === undefined) throw new Error(`no vector key ${kid}`)
  return { kasId: key.kas_id, kid, publicKey: Buffer.from(key.public_key, 'hex') }
}

/** The private key of a vector key id. */
export function privateKeyFor(keys: readonly VectorKey[], kid: string) {
  const key = keys.find((k) => k.kid === kid)
  if (key === undefined) throw new Error(`no vector key ${kid}`)
  return importX25519PrivateKey(Buffer.from(key.private_key, 'hex'))
}

export interface BuildSpec {
  readonly name: string
  readonly plaintextLength: number
  readonly sharesTo: readonly (readonly string[])[]
  readonly policyId?: string
  /** Reuse the material of another object (same core and data key: a re-wrap). */
  readonly materialOf?: string
}

/**
 * Encrypts the pattern plaintext of `plaintextLength` bytes with fixed material, streaming, so
 * that a 4 GiB object costs no memory. Keeps the bytes only up to `keepLimit`.
 */
export function buildObject(
  keys: readonly VectorKey[],
  spec: BuildSpec,
  keepLimit = 1 << 20,
): BuiltObject {
  const entryCount = spec.sharesTo.reduce((sum, kids) => sum + kids.length, 0)
  const base = materialFor(spec.materialOf ?? spec.name, spec.sharesTo.length, entryCount)
  const ownWraps = materialFor(spec.name, spec.sharesTo.length, entryCount).wraps
  const material = spec.materialOf === undefined ? base : { ...base, wraps: ownWraps }
  const policyId = spec.policyId ?? 'policy-1'
  const writer = createObjectWriterWithMaterial(
    { policyId, shares: spec.sharesTo.map((kids) => kids.map((kid) => recipientFor(keys, kid))) },
    material,
  )
  const hash = createHash('sha256').update(writer.header)
  const kept: Uint8Array[] = [writer.header]
  let size = writer.header.length
  const emit: Emit = (chunk) => {
    hash.update(chunk)
    size += chunk.length
    if (size <= keepLimit) kept.push(chunk)
  }
  const encryptor = new SegmentEncryptor(writer)
  for (const chunk of patternChunks(spec.plaintextLength)) encryptor.push(chunk, emit)
  encryptor.finish(emit)
  const dek = combineShares(material.shares)
  const header = parseHeader(writer.header)
  const built = {
    policyId,
    sharesTo: spec.sharesTo,
    material,
    dek,
    keys: deriveObjectKeys(dek, material.salt, header.coreHash),
    header,
    plaintextLength: spec.plaintextLength,
    objectSize: size,
    objectSha256: hash.digest('hex'),
  }
  return size <= keepLimit ? { ...built, object: Buffer.concat(kept) } : built
}
