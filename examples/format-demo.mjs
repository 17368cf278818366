// `npm run demo`: the object format at work, until `latch dev` (key server + local S3) lands.
// Encrypts this file as a Latch object for an in-process key-server key pair, shows the header,
// decrypts it, then flips one bit of the body and shows that decryption refuses it.
import { readFileSync } from 'node:fs'
import {
  combineShares,
  createObjectWriter,
  decryptBuffer,
  encryptBuffer,
  generateX25519KeyPair,
  openShare,
  parseHeader,
  shareBindingOf,
} from '@latch/format'

const server = generateX25519KeyPair()
const plaintext = readFileSync(new URL(import.meta.url))
const writer = createObjectWriter({
  policyId: 'demo-policy',
  shares: [[{ kasId: 'demo-kas', kid: 'demo-kas-1', publicKey: server.publicKey }]],
})
const object = encryptBuffer(writer, plaintext)
const header = parseHeader(object)
console.log(`plaintext ${plaintext.length} bytes → object ${object.length} bytes`)
console.log(
  `header ${header.bytes.length} bytes: policy ${header.core.policyId}, object id ${Buffer.from(header.core.objectId).toString('hex')}`,
)
console.log(
  `key entries: ${header.entries.map((e) => `share ${e.sid}/${e.n} → ${e.kasId} (JWE, ${e.jwe.length} chars)`).join(', ')}`,
)

// Plays the key server: checks each entry's binding to the header core, then opens it.
const resolveKey = async (h) =>
  combineShares(
    h.entries.map((e) =>
      openShare(e.jwe, server.privateKey, shareBindingOf(h.coreBytes, e.sid, e.n)),
    ),
  )
const decrypted = await decryptBuffer(object, resolveKey)
console.log(
  `decrypted: ${Buffer.from(decrypted).equals(plaintext) ? 'identical to the original' : 'MISMATCH'}`,
)

const tampered = Buffer.from(object)
tampered[header.bytes.length + 100] ^= 1
try {
  await decryptBuffer(tampered, resolveKey)
  console.log('tampered object decrypted: THIS MUST NOT HAPPEN')
  process.exitCode = 1
} catch (error) {
  console.log(`one bit flipped in the body: refused with ${error.code}, no plaintext released`)
}
