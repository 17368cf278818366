import {
  combineShares,
  generateX25519KeyPair,
  type KeyResolver,
  type KeyServerRecipient,
  openShare,
  shareBindingOf,
} from '@latch/format'

const pair = generateX25519KeyPair()

/** The benchmark's key server recipient (in process: no network in the format benchmarks). */
export const keyServer: KeyServerRecipient = {
  kasId: 'bench',
  kid: 'bench-1',
  publicKey: pair.publicKey,
}

/** Plays the key server for decryption. */
export const resolveKey: KeyResolver = async (header) =>
  combineShares(
    header.entries.map((entry) =>
      openShare(entry.jwe, pair.privateKey, shareBindingOf(header.coreBytes, entry.sid, entry.n)),
    ),
  )
