/** The four magic bytes that open every Latch object: 0x89 then ASCII `LTC`. */
export const MAGIC: Uint8Array = Uint8Array.of(0x89, 0x4c, 0x54, 0x43)
/** The format version this implementation writes and reads. */
export const VERSION = 1
/** Suite 0x0001: AES-256-GCM, HKDF-SHA-256, HMAC-SHA-256, JWE ECDH-ES+A256KW (X25519) + A256GCM. */
export const SUITE = 0x0001
/** log2 of the plaintext segment size; suite 0x0001 fixes it at 16. */
export const SEGMENT_LOG2 = 16
/** Plaintext bytes in every segment but the final one (64 KiB). */
export const SEGMENT_SIZE = 1 << SEGMENT_LOG2
/** AES-GCM tag bytes appended to every segment. */
export const TAG_SIZE = 16
/** Ciphertext bytes of a full segment. */
export const ENCRYPTED_SEGMENT_SIZE = SEGMENT_SIZE + TAG_SIZE
/** Segment indices are below 2^32 (S3's 48.8 TiB object limit needs fewer than 2^30). */
export const MAX_SEGMENTS = 2 ** 32
/** Smallest `header_len` a reader accepts. */
export const MIN_HEADER_SIZE = 128
/** Largest `header_len` a reader accepts: a reader never buffers more to find the header. */
export const MAX_HEADER_SIZE = 16_384
/** Largest compact JWE in a key entry. */
export const MAX_JWE_SIZE = 2048
/** At most this many key entries (the maxEncryptedDataKeys lesson). */
export const MAX_ENTRIES = 4
/** At most this many distinct shares (data key = XOR of the shares). */
export const MAX_SHARES = 2
/** Bounds of the key-server id in an entry. */
export const MAX_KAS_ID_SIZE = 64
/** Bounds of the policy id. */
export const MAX_POLICY_ID_SIZE = 255
/** Sizes of the fixed fields. */
export const OBJECT_ID_SIZE = 16
export const SALT_SIZE = 32
export const KEY_SIZE = 32
export const COMMITMENT_SIZE = 32
export const MAC_SIZE = 32
/** Offset of `header_len`; a reader needs this many bytes plus four to learn the header size. */
export const HEADER_LEN_OFFSET = 8
/** Bytes a reader needs before it can size the header: magic … header_len. */
export const HEADER_PREFIX_SIZE = 12
/** Characters allowed in a policy id and a key-server id. */
export const ID_PATTERN: RegExp = /^[A-Za-z0-9._:-]+$/
