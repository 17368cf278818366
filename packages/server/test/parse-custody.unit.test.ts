import { describe, expect, it } from 'vitest'
import type { ServerError } from '../src/errors.js'
import { describeCustody, parseCustody } from '../src/keys/custody/parse-custody.js'

function refusal(text: string): ServerError {
  try {
    parseCustody(text)
  } catch (error) {
    return error as ServerError
  }
  throw new Error(`${text} parsed`)
}

describe('--custody', () => {
  it('reads the local root key, a root key file, an RFC 7512 PKCS#11 URI and a KMS key', () => {
    expect(parseCustody('')).toEqual({ kind: 'root-key' })
    expect(parseCustody('root-key')).toEqual({ kind: 'root-key' })
    expect(parseCustody('root-key:/run/secrets/k')).toEqual({
      kind: 'root-key',
      file: '/run/secrets/k',
    })
    expect(
      parseCustody(
        'pkcs11:token=My%20HSM;object=latch-root?module-path=/usr/lib/x.so&pin-source=file:/run/pin',
      ),
    ).toEqual({
      kind: 'pkcs11',
      module: '/usr/lib/x.so',
      token: 'My HSM',
      slot: undefined,
      object: 'latch-root',
      pinFile: '/run/pin',
    })
    expect(parseCustody('pkcs11:slot-id=3;object=k?module-path=/m.so')).toMatchObject({
      slot: 3,
      token: undefined,
    })
    const arn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
    expect(parseCustody(`aws-kms:${arn}`)).toEqual({
      kind: 'aws-kms',
      keyId: arn,
      region: undefined,
      endpoint: undefined,
    })
    expect(
      parseCustody('aws-kms:alias/latch?region=eu-west-1&endpoint=http%3A%2F%2F127.0.0.1%3A5000'),
    ).toMatchObject({
      keyId: 'alias/latch',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:5000',
    })
  })

  it('refuses a PIN in the URI without repeating it, and anything incomplete, with ERR_CONFIG_INVALID', () => {
    const pin = refusal('pkcs11:token=t;object=k;pin-value=123456?module-path=/m.so')
    expect(pin.code).toBe('ERR_CONFIG_INVALID')
    expect(pin.message).not.toContain('123456')
    for (const text of [
      'hsm:x',
      'root-key:',
      'pkcs11:token=t;object=k',
      'pkcs11:token=t?module-path=/m.so',
      'pkcs11:object=k?module-path=/m.so',
      'pkcs11:token=t;slot-id=1;object=k?module-path=/m.so',
      'pkcs11:slot-id=x;object=k?module-path=/m.so',
      'pkcs11:token=t;object=k?module-path=/m.so&pin-source=env:PIN',
      'pkcs11:token=%ZZ;object=k?module-path=/m.so',
      'aws-kms:',
      'aws-kms:alias/k?profile=admin',
    ]) {
      expect(refusal(text).code, text).toBe('ERR_CONFIG_INVALID')
    }
  })

  it('describes a custody for logs without its module path, PIN source or endpoint', () => {
    const text = 'pkcs11:token=t;object=k?module-path=/m.so&pin-source=file:/run/pin'
    expect(describeCustody(parseCustody(text))).toBe('pkcs11:token=t;object=k')
    expect(
      describeCustody(parseCustody('aws-kms:alias/k?region=r&endpoint=http://127.0.0.1:1')),
    ).toBe('aws-kms:alias/k')
  })
})
