import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node'
import {
  createDecryptStream,
  createDecryptTransform,
  createEncryptStream,
  createEncryptTransform,
  createObjectWriter,
  ENCRYPTED_SEGMENT_SIZE,
  encryptBuffer,
  SEGMENT_SIZE,
} from '@latch/format'
import { Decrypter, Encrypter, generateIdentity, identityToRecipient } from 'age-encryption'
import { compareRates, mbPerSecond, timeMs } from '../shared/measure.js'
import { printTable, type Row } from '../shared/report.js'
import { keyServer, resolveKey } from './key-server.js'

const CHUNK = 65_536

// Sources and sinks cost next to nothing (a sink that only counts), so the figures are those of
// the transforms. An async-iterator source or sink costs a promise per chunk and would cut the
// figure of any Node transform, even one with nothing but raw AES-GCM in it, to about 0.65×.

function webChunks(data: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0
  return new ReadableStream(
    {
      pull(controller) {
        for (let i = 0; i < 4 && offset < data.length; i++, offset += CHUNK) {
          controller.enqueue(data.subarray(offset, offset + CHUNK))
        }
        if (offset >= data.length) controller.close()
      },
    },
    { highWaterMark: 4 },
  )
}

function webSink(): WritableStream<Uint8Array> {
  return new WritableStream({ write() {} }, { highWaterMark: 4 })
}

function nodeChunks(data: Uint8Array): Readable {
  let offset = 0
  return new Readable({
    highWaterMark: 4 * CHUNK,
    read() {
      while (offset < data.length) {
        const more = this.push(data.subarray(offset, offset + CHUNK))
        offset += CHUNK
        if (!more) return
      }
      this.push(null)
    },
  })
}

function nodeSink(): Writable {
  return new Writable({
    highWaterMark: 4 * CHUNK,
    write(_chunk, _encoding, callback) {
      callback()
    },
  })
}

/** Raw node:crypto AES-256-GCM over 64 KiB segments: the baseline. */
function rawEncrypt(data: Uint8Array, key: Buffer): Buffer[] {
  const out: Buffer[] = []
  const iv = Buffer.alloc(12)
  for (let i = 0; i * SEGMENT_SIZE < data.length; i++) {
    iv.writeUInt32BE(i, 7)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    out.push(
      cipher.update(data.subarray(i * SEGMENT_SIZE, (i + 1) * SEGMENT_SIZE)),
      cipher.final(),
      cipher.getAuthTag(),
    )
  }
  return out
}

function rawDecrypt(sealed: Buffer, key: Buffer): void {
  const iv = Buffer.alloc(12)
  for (let i = 0; i * ENCRYPTED_SEGMENT_SIZE < sealed.length; i++) {
    iv.writeUInt32BE(i, 7)
    const segment = sealed.subarray(i * ENCRYPTED_SEGMENT_SIZE, (i + 1) * ENCRYPTED_SEGMENT_SIZE)
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
    decipher.setAuthTag(segment.subarray(-16))
    decipher.update(segment.subarray(0, -16))
    decipher.final()
  }
}

/** Streaming encrypt and decrypt of `megabytes` MiB: Latch next to raw AES-GCM, the AWS Encryption SDK and age. */
export async function benchStreaming(megabytes: number, rounds: number): Promise<void> {
  const size = megabytes << 20
  process.stderr.write(`streaming ${megabytes} MiB …\n`)
  const data = randomBytes(size)
  const key = randomBytes(32)
  const sealed = Buffer.concat(rawEncrypt(data, key))
  const writer = () => createObjectWriter({ policyId: 'bench', shares: [[keyServer]] })
  const object = encryptBuffer(writer(), data)

  const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
  const keyring = new RawAesKeyringNode({
    keyName: 'bench',
    keyNamespace: 'bench',
    unencryptedMasterKey: randomBytes(32),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  })
  const esdkObject = (await esdk.encrypt(keyring, data)).result
  const identity = await generateIdentity()
  const ageEncrypter = new Encrypter()
  ageEncrypter.addRecipient(await identityToRecipient(identity))
  const ageDecrypter = new Decrypter()
  ageDecrypter.addIdentity(identity)
  const ageObject = await ageEncrypter.encrypt(data)

  const rate = async (run: () => Promise<unknown> | unknown) => mbPerSecond(size, await timeMs(run))
  const encrypt = await compareRates(rounds, () => rate(() => rawEncrypt(data, key)), {
    node: () =>
      rate(() => pipeline(nodeChunks(data), createEncryptTransform(writer()), nodeSink())),
    web: () =>
      rate(() => webChunks(data).pipeThrough(createEncryptStream(writer())).pipeTo(webSink())),
  })
  const decrypt = await compareRates(rounds, () => rate(() => rawDecrypt(sealed, key)), {
    node: () =>
      rate(() => pipeline(nodeChunks(object), createDecryptTransform(resolveKey), nodeSink())),
    web: () =>
      rate(() => webChunks(object).pipeThrough(createDecryptStream(resolveKey)).pipeTo(webSink())),
  })
  // The peers are an order of magnitude slower: one run each is enough.
  const peers = await compareRates(1, () => rate(() => rawEncrypt(data, key)), {
    esdkEncrypt: () =>
      rate(() => pipeline(nodeChunks(data), esdk.encryptStream(keyring), nodeSink())),
    esdkDecrypt: () =>
      rate(() => pipeline(nodeChunks(esdkObject), esdk.decryptStream(keyring), nodeSink())),
    ageEncrypt: async () =>
      rate(async () => (await ageEncrypter.encrypt(webChunks(data))).pipeTo(webSink())),
    ageDecrypt: async () =>
      rate(async () => (await ageDecrypter.decrypt(webChunks(ageObject))).pipeTo(webSink())),
  })
  const row = (
    what: string,
    value: number | undefined,
    ratio: number | undefined,
    goal = '',
  ): Row => ({
    what,
    value: value ?? 0,
    unit: 'MB/s',
    ratio: ratio ?? 0,
    goal,
  })
  printTable(
    `Streaming ${megabytes} MiB in 64 KiB chunks (medians of ${rounds} alternating rounds)`,
    [
      row('raw node:crypto AES-256-GCM encrypt, 64 KiB segments (baseline)', encrypt.baseline, 1),
      row(
        'Latch createEncryptTransform (Node stream)',
        encrypt.rates.node,
        encrypt.ratios.node,
        '≥ 0.85×',
      ),
      row('Latch createEncryptStream (WHATWG stream)', encrypt.rates.web, encrypt.ratios.web),
      row(
        'AWS Encryption SDK encryptStream (default suite)',
        peers.rates.esdkEncrypt,
        peers.ratios.esdkEncrypt,
      ),
      row('age (typage) encrypt, stream', peers.rates.ageEncrypt, peers.ratios.ageEncrypt),
      row('raw node:crypto AES-256-GCM decrypt, 64 KiB segments (baseline)', decrypt.baseline, 1),
      row(
        'Latch createDecryptTransform (Node stream)',
        decrypt.rates.node,
        decrypt.ratios.node,
        '≥ 0.85×',
      ),
      row('Latch createDecryptStream (WHATWG stream)', decrypt.rates.web, decrypt.ratios.web),
      row(
        'AWS Encryption SDK decryptStream (vs the encrypt baseline)',
        peers.rates.esdkDecrypt,
        peers.ratios.esdkDecrypt,
      ),
      row(
        'age (typage) decrypt, stream (vs the encrypt baseline)',
        peers.rates.ageDecrypt,
        peers.ratios.ageDecrypt,
      ),
    ],
  )
}
