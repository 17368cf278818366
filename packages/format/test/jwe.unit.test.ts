import { randomBytes } from 'node:crypto'
import {
  generateX25519KeyPair,
  importX25519PrivateKey,
  openShare,
  parseCompactJwe,
  type ShareBinding,
  wrapShare,
} from '@latch/format'
import { wrapShareWithMaterial } from '@latch/format/testing'
import * as jose from 'jose'
import { describe, expect, it } from 'vitest'
import { binding } from './helpers.js'

async function joseKey(jwk: object) {
  return jose.importJWK({ ...jwk }, 'ECDH-ES+A256KW', { extractable: true })
}

describe('JWE profile (ECDH-ES+A256KW, X25519, A256GCM) on node:crypto', () => {
  const server = generateX25519KeyPair()
  const share = randomBytes(32)

  it('is opened by jose, with the binding in the protected header', async () => {
    const jwe = wrapShare(share, { kid: 'kas-1', publicKey: server.publicKey }, binding)
    const { plaintext, protectedHeader } = await jose.compactDecrypt(
      jwe,
      await joseKey(server.privateKey.export({ format: 'jwk' })),
      { keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'] },
    )
    expect(Buffer.from(plaintext).equals(share)).toBe(true)
    expect(protectedHeader).toMatchObject({
      kid: 'kas-1',
      pid: binding.policyId,
      oid: binding.objectId,
      hc: binding.coreHash,
      sid: 1,
      n: 1,
      v: 1,
    })
  })

  it('writes the same bytes as jose given the same ephemeral key, CEK and IV, and opens them', async () => {
    const material = {
      ephemeralPrivateKey: randomBytes(32),
      cek: randomBytes(32),
      iv: randomBytes(12),
    }
    const ours = wrapShareWithMaterial(
      share,
      { kid: 'kas-1', publicKey: server.publicKey },
      binding,
      material,
    )
    const epk = importX25519PrivateKey(material.ephemeralPrivateKey).export({ format: 'jwk' })
    const theirs = await new jose.CompactEncrypt(share)
      .setProtectedHeader({
        alg: 'ECDH-ES+A256KW',
        enc: 'A256GCM',
        kid: 'kas-1',
        pid: binding.policyId,
        oid: binding.objectId,
        sid: 1,
        n: 1,
        hc: binding.coreHash,
        v: 1,
      })
      .setKeyManagementParameters({ epk: (await joseKey(epk)) as jose.CryptoKey })
      .setContentEncryptionKey(material.cek)
      .setInitializationVector(material.iv)
      .encrypt(await joseKey(server.publicKey.export({ format: 'jwk' })))
    expect(ours).toBe(theirs)
    expect(Buffer.from(openShare(theirs, server.privateKey, binding)).equals(share)).toBe(true)
  })

  it('refuses a share bound to anything else, with the one generic error', () => {
    const jwe = wrapShare(share, { kid: 'kas-1', publicKey: server.publicKey }, binding)
    const others: ShareBinding[] = [
      { ...binding, policyId: 'policy-2' },
      { ...binding, objectId: 'AAECAwQFBgcICQoLDA0OEA' },
      { ...binding, coreHash: Buffer.alloc(32, 8).toString('base64url') },
      { ...binding, sid: 2, n: 2 },
    ]
    for (const other of others) {
      expect(() => openShare(jwe, server.privateKey, other)).toThrow(
        expect.objectContaining({
          code: 'ERR_FORMAT_DECRYPT_FAILED',
          message: 'the object failed authentication',
        }),
      )
    }
    expect(() => openShare(jwe, generateX25519KeyPair().privateKey, binding)).toThrow(
      expect.objectContaining({ code: 'ERR_FORMAT_DECRYPT_FAILED' }),
    )
  })

  it('refuses JWEs outside the profile before any cryptography', async () => {
    const foreign = await new jose.CompactEncrypt(share)
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'kas-1', zip: 'DEF' })
      .encrypt(await joseKey(server.publicKey.export({ format: 'jwk' })))
    const direct = await new jose.CompactEncrypt(share)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(randomBytes(32))
    for (const jwe of [foreign, direct, 'a.b.c.d.e', '', 'x'.repeat(2049)]) {
      expect(() => parseCompactJwe(jwe)).toThrow(
        expect.objectContaining({ code: 'ERR_FORMAT_HEADER_INVALID' }),
      )
    }
  })
})
