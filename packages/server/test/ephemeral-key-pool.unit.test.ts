import { createPublicKey, randomBytes } from 'node:crypto'
import {
  exportX25519PublicJwk,
  generateX25519KeyPair,
  openShare,
  prepareShareWrap,
} from '@latch/format'
import { describe, expect, it } from 'vitest'
import { EphemeralKeyPool } from '../src/release/ephemeral-key-pool.js'

const binding = {
  policyId: 'policy-1',
  objectId: 'AAECAwQFBgcICQoLDA0ODw',
  coreHash: Buffer.alloc(32, 7).toString('base64url'),
  sid: 1,
  n: 2,
}

/** Takes keys until the pool has made `count` (it makes them on the thread pool). */
async function takeMade(pool: EphemeralKeyPool, count: number) {
  const keys = []
  while (keys.length < count) {
    const key = pool.take()
    if (key === undefined) await new Promise((resolve) => setTimeout(resolve, 5))
    else keys.push(key)
  }
  return keys
}

describe('EphemeralKeyPool: re-wrap keys made ahead', () => {
  it('hands out fresh X25519 pairs, each once, whose x is the private key’s public half', async () => {
    const pool = new EphemeralKeyPool(8)
    try {
      const keys = await takeMade(pool, 40)
      expect(new Set(keys.map((k) => k.x)).size).toBe(40)
      expect(new Set(keys.map((k) => k.privateKey)).size).toBe(40)
      for (const key of keys) {
        expect(key.privateKey.asymmetricKeyType).toBe('x25519')
        expect(key.x).toBe(exportX25519PublicJwk(createPublicKey(key.privateKey)).x)
      }
    } finally {
      pool.close()
    }
  })

  it('gives keys a client opens the re-wrapped share with, one JWE each', async () => {
    const pool = new EphemeralKeyPool(4)
    try {
      const client = generateX25519KeyPair()
      const [key] = await takeMade(pool, 1)
      const share = randomBytes(32)
      const prepared = prepareShareWrap({ kid: 'client', publicKey: client.publicKey }, key)
      const jwe = prepared.wrap(share, binding)
      const header = JSON.parse(Buffer.from(jwe.split('.')[0] as string, 'base64url').toString())
      expect(header.epk.x).toBe(key?.x)
      expect(Buffer.from(openShare(jwe, client.privateKey, binding)).equals(share)).toBe(true)
      expect(() => prepared.wrap(share, binding)).toThrow(
        expect.objectContaining({ code: 'ERR_FORMAT_ARGUMENT_INVALID' }),
      )
    } finally {
      pool.close()
    }
  })

  it('refuses an ephemeral key that is not an X25519 private key', () => {
    const client = generateX25519KeyPair()
    const to = { kid: 'client', publicKey: client.publicKey }
    const x = exportX25519PublicJwk(client.publicKey).x
    for (const bad of [
      { privateKey: client.publicKey, x },
      { privateKey: client.privateKey, x: x.slice(1) },
    ]) {
      expect(() => prepareShareWrap(to, bad)).toThrow(
        expect.objectContaining({ code: 'ERR_FORMAT_ARGUMENT_INVALID' }),
      )
    }
  })

  it('gives nothing once closed, nor when empty', async () => {
    const pool = new EphemeralKeyPool(2)
    await takeMade(pool, 2)
    pool.close()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(pool.take()).toBeUndefined()
    const empty = new EphemeralKeyPool(0)
    expect(empty.take()).toBeUndefined()
  })
})
