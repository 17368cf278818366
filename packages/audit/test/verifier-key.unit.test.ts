import { generateKeyPairSync } from 'node:crypto'
import {
  AuditError,
  checkpointKeyId,
  ed25519PublicKey,
  formatVerifierKey,
  parseVerifierKey,
} from '@latch/audit'
import { describe, expect, it } from 'vitest'
import { key } from './audit-chain.js'

/** The name, the key id and the base64 key of a verifier key (the key may hold `+`). */
const parts = (text: string) => /^([^+]+)\+([0-9a-f]{8})\+(.*)$/.exec(text)?.slice(1) as string[]
const raw = (text: string) => Buffer.from(parts(text)[2] as string, 'base64').subarray(1)

describe('the verifier key an auditor pins (latch audit verify --key)', () => {
  it('reads back the key it was written from: name, key id and Ed25519 key', () => {
    const text = formatVerifierKey(key)
    expect(text).toMatch(/^latch-checkpoint-test\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/)
    const parsed = parseVerifierKey(`  ${text}\n`)
    expect(parsed.name).toBe(key.name)
    expect(checkpointKeyId(parsed.name, parsed.publicKey)).toEqual(
      checkpointKeyId(key.name, key.publicKey),
    )
    expect(ed25519PublicKey(raw(text)).equals(key.publicKey)).toBe(true)
  })

  it('refuses anything else as a checkpoint key that does not parse, never as another error', () => {
    const text = formatVerifierKey(key)
    const other = formatVerifierKey({
      name: key.name,
      publicKey: generateKeyPairSync('ed25519').publicKey,
    })
    const [name, id, encoded] = parts(text) as [string, string, string]
    for (const bad of [
      '',
      'latch-checkpoint-test',
      text.slice(0, -1),
      `${name}+${id}+${parts(other)[2]}`, // another key under this id
      `${name}+00000000+${encoded}`, // a wrong id
      `other-name+${id}+${encoded}`, // another name under this id
      // A name with characters a key name may not hold: a bad key, not a bug of the caller.
      `bad!name+${id}+${encoded}`,
      `${name}+${id}+${Buffer.concat([Buffer.of(2), raw(text)]).toString('base64')}`,
    ]) {
      let caught: unknown
      try {
        parseVerifierKey(bad)
      } catch (error) {
        caught = error
      }
      expect(caught, bad).toBeInstanceOf(AuditError)
      expect(caught, bad).toMatchObject({ code: 'ERR_AUDIT_CHECKPOINT_INVALID' })
    }
  })
})
