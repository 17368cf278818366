/** WebCrypto's `SubtleCrypto` of this realm (a browser, a worker, or Node's `globalThis.crypto`). */
export type Subtle = typeof globalThis.crypto.subtle

/** A WebCrypto key. Named from the API itself so the types need neither the DOM lib nor Node's. */
export type CryptoKey = Awaited<ReturnType<Subtle['importKey']>>

/** A WebCrypto key pair. */
export interface CryptoKeyPair {
  readonly publicKey: CryptoKey
  readonly privateKey: CryptoKey
}

/** The realm's `crypto.subtle`, looked up at call time (a page may load before it is needed). */
export function subtle(): Subtle {
  return globalThis.crypto.subtle
}

/** `count` bytes from the realm's CSPRNG (`getRandomValues` gives at most 65,536 per call). */
export function randomBytes(count: number): Uint8Array {
  const out = new Uint8Array(count)
  for (let offset = 0; offset < count; offset += 65_536) {
    globalThis.crypto.getRandomValues(out.subarray(offset, offset + 65_536))
  }
  return out
}

/** SHA-256 of `bytes`. */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', bytes))
}

/** Pieces joined into one buffer (the piece itself when there is one: no copy). */
export function joinPieces(pieces: readonly Uint8Array[], length?: number): Uint8Array {
  if (pieces.length === 1) return pieces[0] as Uint8Array
  const out = new Uint8Array(length ?? pieces.reduce((sum, piece) => sum + piece.length, 0))
  let offset = 0
  for (const piece of pieces) {
    out.set(piece, offset)
    offset += piece.length
  }
  return out
}

/** Constant-time equality of two byte strings of public length. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let acc = 0
  for (let i = 0; i < a.length; i++) acc |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return acc === 0
}

/** ASCII bytes of a string known to be ASCII. */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i)
  return out
}
