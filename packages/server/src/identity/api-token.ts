import { createHash, randomBytes } from 'node:crypto'

/** Every API token starts with this, so it is recognisable in a leaked file and by scanners. */
export const TOKEN_PREFIX = 'latch_'

/** A freshly minted API token: the secret is shown once; only its hash is stored. */
export interface MintedToken {
  /** Public id (for listing and revoking). */
  readonly id: string
  /** The bearer secret: `latch_<id>_<43 base64url characters>`. */
  readonly token: string
  /** SHA-256 of `token`. */
  readonly hash: Buffer
}

/**
 * Mints an API token with 256 random bits. Stored as its SHA-256: a fast hash is enough for a
 * random secret of that size (no dictionary to attack), and the lookup is by hash, so no secret
 * is ever compared byte by byte.
 */
export function mintApiToken(): MintedToken {
  const id = randomBytes(9).toString('base64url').replaceAll(/[-_]/g, 'x')
  const token = `${TOKEN_PREFIX}${id}_${randomBytes(32).toString('base64url')}`
  return { id, token, hash: hashApiToken(token) }
}

/** SHA-256 of a bearer token, the key it is stored and looked up by. */
export function hashApiToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}
