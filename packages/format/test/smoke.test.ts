import {
  combineShares,
  createObjectWriter,
  decryptBuffer,
  encryptBuffer,
  generateX25519KeyPair,
  openShare,
  x25519PublicJwk,
} from '@latch/format'
import * as jose from 'jose'
import { describe, expect, it } from 'vitest'

describe('smoke', () => {
  it('round trips', async () => {
    const kas = generateX25519KeyPair()
    const writer = createObjectWriter({
      policyId: 'p1',
      shares: [[{ kasId: 'kas', kid: 'k1', publicKey: kas.publicKey }]],
    })
    const data = Buffer.alloc(200_000, 7)
    const object = encryptBuffer(writer, data)
    const out = await decryptBuffer(object, async (header) =>
      combineShares(header.entries.map((e) => openShare(e.jwe, kas.privateKey))),
    )
    expect(Buffer.from(out).equals(data)).toBe(true)
    const jwk = await jose.exportJWK(kas.privateKey)
    const key = await jose.importJWK({ ...jwk, alg: 'ECDH-ES+A256KW' }, 'ECDH-ES+A256KW')
    const { protectedHeader, plaintext } = await jose.compactDecrypt(writer.entries[0]!.jwe, key)
    expect(plaintext.length).toBe(32)
    console.log(protectedHeader, x25519PublicJwk(kas.publicKey))
  })
})
