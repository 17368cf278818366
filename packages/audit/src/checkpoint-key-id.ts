import { createPublicKey, hash, type KeyObject } from 'node:crypto'
import {
  ED25519_KEY_SIZE,
  ED25519_SPKI_PREFIX,
  KEY_ID_SIZE,
  KEY_NAME,
  unsignable,
} from './internal/note-syntax.js'

// C2SP signed-note: the key hash of an Ed25519 key is SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).
const ED25519_ALGORITHM = 0x01

// Exporting the key is most of the cost of a note's check: a KeyObject never changes, so its id
// under a name is computed once.
const keyIds = new WeakMap<KeyObject, Map<string, Buffer>>()

/**
 * The C2SP signed-note key id of an Ed25519 key: the first 4 bytes of
 * `SHA-256(UTF-8(name) ‖ 0x0A ‖ 0x01 ‖ raw 32-byte public key)`.
 *
 * @param name the key name.
 * @param publicKey the Ed25519 key (a private key is accepted and its public half used).
 * @returns 4 bytes.
 * @throws AuditError `ERR_AUDIT_ARGUMENT_INVALID` if the name is not a valid key name or the key
 *   is not Ed25519.
 * @example
 * const keyId = checkpointKeyId('latch-checkpoint-k1', publicKey).toString('base64')
 */
export function checkpointKeyId(name: string, publicKey: KeyObject): Buffer {
  const cached = keyIds.get(publicKey)?.get(name)
  if (cached !== undefined) return Buffer.from(cached)
  if (!KEY_NAME.test(name)) throw unsignable('key name must be 1–64 of A–Z a–z 0–9 . _ : -')
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw unsignable('the checkpoint key must be an Ed25519 key')
  }
  const spki = (publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey).export({
    format: 'der',
    type: 'spki',
  })
  if (
    spki.length !== ED25519_SPKI_PREFIX.length + ED25519_KEY_SIZE ||
    !spki.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX)
  ) {
    throw unsignable('unexpected Ed25519 public key encoding')
  }
  const raw = spki.subarray(ED25519_SPKI_PREFIX.length)
  const preimage = Buffer.concat([
    Buffer.from(`${name}\n`, 'utf8'),
    Buffer.of(ED25519_ALGORITHM),
    raw,
  ])
  const id = hash('sha256', preimage, 'buffer').subarray(0, KEY_ID_SIZE)
  let byName = keyIds.get(publicKey)
  if (byName === undefined) {
    byName = new Map()
    keyIds.set(publicKey, byName)
  }
  byName.set(name, Buffer.from(id))
  return id
}
