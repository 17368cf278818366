import { createRootKeySealer } from '../key-sealer.js'
import { decodeRootKey, loadRootKey, type RootKeySource } from '../root-key.js'
import type { ClosableKeySealer } from './closable-key-sealer.js'
import { openKmsSealer } from './kms-sealer.js'
import type { Custody } from './parse-custody.js'
import { openPkcs11Sealer } from './pkcs11-sealer.js'
import { readSecretFile } from './read-secret-file.js'

/** What {@link openKeySealer} needs besides the custody. */
export interface SealerContext {
  /** Where `root.key` is kept (root-key custody). */
  readonly dataDir: string
  /** The key server's id, bound to every KMS seal. */
  readonly kasId: string
  readonly env?: NodeJS.ProcessEnv
}

/**
 * Opens the sealer of a custody: the local root key, a PKCS#11 token or AWS KMS.
 *
 * @returns the sealer and, for the root key, where it came from (for the start-up log).
 * @throws ServerError `ERR_CONFIG_INVALID` (a malformed root key, no PIN, a wrong PIN, a missing
 *   HSM key), `ERR_CUSTODY_UNAVAILABLE` (the HSM module or token cannot be reached).
 */
export async function openKeySealer(
  custody: Custody,
  context: SealerContext,
): Promise<{ sealer: ClosableKeySealer; rootKeySource?: RootKeySource | 'custody-file' }> {
  const env = context.env ?? process.env
  switch (custody.kind) {
    case 'root-key': {
      const root =
        custody.file === undefined
          ? loadRootKey(context.dataDir, env)
          : {
              key: decodeRootKey(readSecretFile(custody.file, 'root key'), custody.file),
              source: 'custody-file' as const,
            }
      const sealer = { ...createRootKeySealer(root.key), custody: 'root-key' as const }
      root.key.fill(0)
      return { sealer, rootKeySource: root.source }
    }
    case 'pkcs11':
      return { sealer: await openPkcs11Sealer(custody, env) }
    case 'aws-kms':
      return { sealer: await openKmsSealer(custody, context.kasId) }
  }
}
