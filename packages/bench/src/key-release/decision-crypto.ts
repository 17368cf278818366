import { randomBytes } from 'node:crypto'
import {
  exportX25519PublicJwk,
  generateX25519KeyPair,
  importX25519PublicKey,
  openShare,
  prepareShareWrap,
  type ShareBinding,
  wrapShare,
} from '@latch/format'
import { median } from '../shared/measure.js'

const DECISIONS_PER_ROUND = 2_000
const ROUNDS = 5

/**
 * The CPU a key-release decision's cryptography alone takes, in this process, through the same
 * `@latch/format` calls as the key server's rewrap route: import the client's throw-away key,
 * draw a fresh ephemeral key and agree with it (the re-wrap's ECDH), open the share (the JWE's
 * `epk` imported, the second ECDH, AES-KW and AES-GCM, the binding checked), wrap it to the
 * client. No HTTP, no parsing of the request, no authentication, no SQLite, no audit record.
 * Each decision opens a JWE of its own and uses a client key of its own, as on the server.
 *
 * @returns the median over 5 rounds of the CPU time (user + system) per decision, in µs.
 */
export function decisionCryptoMicros(): number {
  const server = generateX25519KeyPair()
  const recipient = { kid: 'kas-1', publicKey: server.publicKey }
  const binding: ShareBinding = {
    policyId: 'pol_bench',
    objectId: randomBytes(16).toString('base64url'),
    coreHash: randomBytes(32).toString('base64url'),
    sid: 1,
    n: 1,
  }
  const pairs = Array.from({ length: 16 }, () => ({
    share: wrapShare(randomBytes(32), recipient, binding),
    clientKey: exportX25519PublicJwk(generateX25519KeyPair().publicKey),
  }))
  const perRound: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage()
    for (let i = 0; i < DECISIONS_PER_ROUND; i++) {
      const { share, clientKey } = pairs[i % pairs.length] as (typeof pairs)[number]
      const rewrap = prepareShareWrap({
        kid: 'client',
        publicKey: importX25519PublicKey(clientKey),
      })
      rewrap.wrap(openShare(share, server.privateKey, binding), binding)
    }
    const used = process.cpuUsage(start)
    perRound.push((used.user + used.system) / DECISIONS_PER_ROUND)
  }
  return median(perRound)
}
