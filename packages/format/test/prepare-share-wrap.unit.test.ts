import { randomBytes } from 'node:crypto'
import {
  generateX25519KeyPair,
  importX25519PublicKey,
  openShare,
  prepareShareWrap,
  wrapShare,
} from '@latch/format'
import { LOW_ORDER_X25519 } from '@latch/testkit'
import { describe, expect, it } from 'vitest'
import { prepareShareWrapWithMaterial, wrapShareWithMaterial } from '../src/jwe/wrap-share.js'
import { binding } from './helpers.js'

describe('prepareShareWrap: the re-wrap key agreement done ahead', () => {
  const recipient = { kid: 'client', publicKey: generateX25519KeyPair().publicKey }

  it('refuses every low-order recipient key with ERR_FORMAT_ARGUMENT_INVALID, before any share', () => {
    for (const point of LOW_ORDER_X25519) {
      const publicKey = importX25519PublicKey(point.bytes)
      expect(() => prepareShareWrap({ kid: 'client', publicKey }), point.name).toThrow(
        expect.objectContaining({ name: 'FormatError', code: 'ERR_FORMAT_ARGUMENT_INVALID' }),
      )
      expect(() => wrapShare(randomBytes(32), { kid: 'client', publicKey }, binding)).toThrow(
        expect.objectContaining({ name: 'FormatError', code: 'ERR_FORMAT_ARGUMENT_INVALID' }),
      )
    }
  })

  it('writes the same bytes as wrapShare given the same material', () => {
    const share = randomBytes(32)
    const material = {
      ephemeralPrivateKey: randomBytes(32),
      cek: randomBytes(32),
      iv: randomBytes(12),
    }
    const prepared = prepareShareWrapWithMaterial(recipient, material).wrap(share, binding)
    expect(prepared).toBe(wrapShareWithMaterial(share, recipient, binding, material))
  })

  it('makes one JWE per prepared wrap, each with its own ephemeral key', () => {
    const pair = generateX25519KeyPair()
    const to = { kid: 'client', publicKey: pair.publicKey }
    const share = randomBytes(32)
    const prepared = prepareShareWrap(to)
    const jwe = prepared.wrap(share, binding)
    expect(Buffer.from(openShare(jwe, pair.privateKey, binding)).equals(share)).toBe(true)
    expect(() => prepared.wrap(share, binding)).toThrow(
      expect.objectContaining({ code: 'ERR_FORMAT_ARGUMENT_INVALID' }),
    )
    const epk = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).epk.x
    expect(epk(prepareShareWrap(to).wrap(share, binding))).not.toBe(epk(jwe))
  })

  it('refuses a share that is not 32 bytes', () => {
    expect(() => prepareShareWrap(recipient).wrap(randomBytes(31), binding)).toThrow(
      expect.objectContaining({ code: 'ERR_FORMAT_ARGUMENT_INVALID' }),
    )
  })
})
