import { randomBytes } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import {
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node'
import {
  createObjectWriter,
  encryptBuffer,
  exportX25519PublicKey,
  generateX25519KeyPair,
  importX25519PublicKey,
  wrapShare,
} from '@latch/format'
import { Encrypter, generateIdentity, identityToRecipient } from 'age-encryption'
import * as jose from 'jose'
import { opsPerSecond } from '../shared/measure.js'
import { printTable } from '../shared/report.js'
import { keyServer } from './key-server.js'

/** 16 KiB objects encrypted end to end (fresh data key, key wrap, header, payload) per second. */
export async function benchSmallObjects(seconds: number): Promise<void> {
  process.stderr.write('16 KiB objects …\n')
  const plaintext = randomBytes(16_384)
  const latch = await opsPerSecond(seconds, () =>
    encryptBuffer(createObjectWriter({ policyId: 'bench', shares: [[keyServer]] }), plaintext),
  )
  const workers = await inWorkers(2, seconds)

  const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
  const keyring = new RawAesKeyringNode({
    keyName: 'bench',
    keyNamespace: 'bench',
    unencryptedMasterKey: randomBytes(32),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  })
  const esdkRate = await opsPerSecond(seconds, () => esdk.encrypt(keyring, plaintext))

  const ageEncrypter = new Encrypter()
  ageEncrypter.addRecipient(await identityToRecipient(await generateIdentity()))
  const ageRate = await opsPerSecond(seconds, () => ageEncrypter.encrypt(plaintext))

  // The key wrap alone: our node:crypto JWE against jose's (byte-identical output, see tests).
  const server = generateX25519KeyPair()
  const share = randomBytes(32)
  const binding = {
    policyId: 'bench',
    objectId: 'AAAAAAAAAAAAAAAAAAAAAA',
    coreHash: 'A'.repeat(43),
    sid: 1,
    n: 1,
  }
  const wrapRate = await opsPerSecond(seconds, () =>
    wrapShare(share, { kid: 'k', publicKey: server.publicKey }, binding),
  )
  const joseKey = await jose.importJWK(server.publicKey.export({ format: 'jwk' }), 'ECDH-ES+A256KW')
  const joseRate = await opsPerSecond(seconds, () =>
    new jose.CompactEncrypt(share)
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'k', ...binding, v: 1 })
      .encrypt(joseKey),
  )

  printTable(
    `16 KiB objects, full encrypt including the key wrap (${seconds} s each; ratios to Latch on one thread)`,
    [
      {
        what: 'Latch createObjectWriter + encryptBuffer',
        value: latch,
        unit: 'objects/s',
        goal: '≥ 5,000/s',
      },
      {
        what: 'Latch, the same loop in 2 worker threads at once (2 cores)',
        value: workers,
        unit: 'objects/s',
        ratio: workers / latch,
      },
      {
        what: 'AWS Encryption SDK encrypt (raw AES keyring, default suite)',
        value: esdkRate,
        unit: 'objects/s',
        ratio: esdkRate / latch,
      },
      {
        what: 'age (typage) encrypt, X25519 recipient',
        value: ageRate,
        unit: 'objects/s',
        ratio: ageRate / latch,
      },
    ],
  )
  printTable('Key wrap alone (ECDH-ES+A256KW, X25519, A256GCM)', [
    {
      what: 'Latch wrapShare on node:crypto (baseline)',
      value: wrapRate,
      unit: 'wraps/s',
      ratio: 1,
    },
    {
      what: 'jose CompactEncrypt (WebCrypto)',
      value: joseRate,
      unit: 'wraps/s',
      ratio: joseRate / wrapRate,
    },
  ])
}

/** Runs the Latch loop in `count` worker threads at once and sums their rates. */
async function inWorkers(count: number, seconds: number): Promise<number> {
  const publicKey = exportX25519PublicKey(importX25519PublicKey(keyServer.publicKey))
  const file = new URL('./small-objects-worker.js', import.meta.url)
  const rates = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<number>((resolve, reject) => {
          const worker = new Worker(file, { workerData: { seconds, publicKey } })
          worker.once('message', resolve)
          worker.once('error', reject)
        }),
    ),
  )
  return rates.reduce((sum, rate) => sum + rate, 0)
}
