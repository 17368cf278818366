import { Buffer } from 'node:buffer'

const BASE64URL = /^[A-Za-z0-9_-]*$/

/** Encodes bytes as unpadded base64url. */
export function toBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

/**
 * Decodes canonical unpadded base64url, or returns undefined. Node's decoder skips padding,
 * whitespace and stray characters and ignores non-zero trailing bits; a strict reader must not,
 * or two encodings of one JWE would both open.
 */
export function fromBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? bytes : undefined
}

/** A Buffer view of the same memory (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export { isAllZero } from './is-all-zero.js'
