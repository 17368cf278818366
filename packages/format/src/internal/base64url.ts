// Pure base64url for the code both builds share (headers and JWEs: a few hundred bytes each).
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const VALUES = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i

/** Encodes bytes as unpadded base64url. */
export function encodeBase64url(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out +=
      ALPHABET.charAt(n >> 18) +
      ALPHABET.charAt((n >> 12) & 63) +
      ALPHABET.charAt((n >> 6) & 63) +
      ALPHABET.charAt(n & 63)
  }
  const rest = bytes.length - i
  if (rest > 0) {
    const n = ((bytes[i] ?? 0) << 16) | (rest === 2 ? (bytes[i + 1] ?? 0) << 8 : 0)
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63)
    if (rest === 2) out += ALPHABET.charAt((n >> 6) & 63)
  }
  return out
}

/**
 * Decodes canonical unpadded base64url, or returns undefined: no padding, white space or stray
 * characters, and zero trailing bits, so that one value has exactly one encoding.
 */
export function decodeBase64url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined
  const out = new Uint8Array((text.length * 3) >> 2)
  let bits = 0
  let count = 0
  let offset = 0
  for (let i = 0; i < text.length; i++) {
    const value = VALUES[text.charCodeAt(i)] ?? -1
    if (value < 0) return undefined
    bits = ((bits << 6) | value) & 0xffffff
    count += 6
    if (count >= 8) {
      count -= 8
      out[offset++] = (bits >> count) & 0xff
    }
  }
  // The bits left over must be zero, or two strings would decode to the same bytes.
  if ((bits & ((1 << count) - 1)) !== 0) return undefined
  return out
}
