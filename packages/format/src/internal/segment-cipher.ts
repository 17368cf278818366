import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto'
import { TAG_SIZE } from '../constants.js'
import { decryptFailed } from '../errors.js'
import { segmentNonce } from '../segment-nonce.js'

/** Reusable scratch memory of one encryptor or decryptor. */
export interface SegmentScratch {
  readonly nonce: Buffer
  readonly tag: Buffer
}

/** Fresh scratch buffers for one stream. */
export function segmentScratch(): SegmentScratch {
  return { nonce: Buffer.alloc(12), tag: Buffer.alloc(TAG_SIZE) }
}

/** Encrypts one segment given as pieces; returns the ciphertext pieces followed by the tag. */
export function sealSegmentPieces(
  key: KeyObject,
  index: number,
  final: boolean,
  plaintext: readonly Uint8Array[],
  scratch: SegmentScratch = segmentScratch(),
): Buffer[] {
  const cipher = createCipheriv('aes-256-gcm', key, segmentNonce(index, final, scratch.nonce))
  const out: Buffer[] = []
  for (const piece of plaintext) out.push(cipher.update(piece))
  cipher.final()
  out.push(cipher.getAuthTag())
  return out
}

/**
 * Decrypts one segment given as pieces (ciphertext then tag, `length` bytes in all) and returns
 * its plaintext pieces, which the caller may release: the tag has verified.
 *
 * @throws FormatError `ERR_FORMAT_DECRYPT_FAILED`.
 */
export function openSegmentPieces(
  key: KeyObject,
  index: number,
  final: boolean,
  ciphertext: readonly Uint8Array[],
  length: number,
  scratch: SegmentScratch = segmentScratch(),
): Buffer[] {
  const decipher = createDecipheriv('aes-256-gcm', key, segmentNonce(index, final, scratch.nonce))
  const { tag } = scratch
  const out: Buffer[] = []
  let offset = 0
  const bodyLength = length - TAG_SIZE
  for (const piece of ciphertext) {
    const bodyPart = Math.max(0, Math.min(piece.length, bodyLength - offset))
    if (bodyPart > 0) out.push(decipher.update(piece.subarray(0, bodyPart)))
    if (bodyPart < piece.length) tag.set(piece.subarray(bodyPart), offset + bodyPart - bodyLength)
    offset += piece.length
  }
  decipher.setAuthTag(tag)
  try {
    decipher.final()
  } catch {
    for (const piece of out) piece.fill(0)
    throw decryptFailed()
  }
  return out
}
