import { randomBytes } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'
import { createObjectWriter, encryptBuffer, importX25519PublicKey } from '@latch/format'
import { opsPerSecond } from '../shared/measure.js'

// Worker of format-small-objects.ts: encrypts 16 KiB objects for `seconds` and posts its rate.
const { seconds, publicKey } = workerData as { seconds: number; publicKey: Uint8Array }
const recipient = { kasId: 'bench', kid: 'bench-1', publicKey: importX25519PublicKey(publicKey) }
const plaintext = randomBytes(16_384)
const rate = await opsPerSecond(seconds, () =>
  encryptBuffer(createObjectWriter({ policyId: 'bench', shares: [[recipient]] }), plaintext),
)
parentPort?.postMessage(rate)
