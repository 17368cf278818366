/**
 * X25519 public keys of small order, as 32 raw bytes: libsodium's blocklist
 * (`crypto_scalarmult/curve25519/ref10/x25519_ref10.c`, `has_small_order`) — 0, 1, the two
 * points of order 8, p − 1, and the non-canonical encodings p and p + 1 — each also with the top
 * bit set, which RFC 7748 §5 tells receivers to ignore. Every one gives an all-zero X25519 shared
 * secret with any private key.
 */
export const LOW_ORDER_X25519: readonly { readonly name: string; readonly bytes: Buffer }[] = [
  ['0 (order 4)', '0000000000000000000000000000000000000000000000000000000000000000'],
  ['1 (order 1)', '0100000000000000000000000000000000000000000000000000000000000000'],
  ['order 8 (e0eb…)', 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'],
  ['order 8 (5f9c…)', '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'],
  ['p - 1 (order 2)', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
  ['p (= 0, non-canonical)', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
  [
    'p + 1 (= 1, non-canonical)',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  ],
].flatMap(([name, hex]) => {
  const bytes = Buffer.from(hex as string, 'hex')
  const high = Buffer.from(bytes)
  high[31] = (high[31] as number) | 0x80
  return [
    { name: name as string, bytes },
    { name: `${name}, top bit set`, bytes: high },
  ]
})
