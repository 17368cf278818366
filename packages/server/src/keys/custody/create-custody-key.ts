import { ServerError } from '../../errors.js'
import { parseCustody } from './parse-custody.js'
import { createPkcs11Key } from './pkcs11-sealer.js'

/**
 * Creates the root key of a PKCS#11 custody in its token: AES-256, sensitive, not extractable
 * (`latch keys custody-init`). A KMS key is made with AWS's own tools; a root key file with
 * `openssl rand -hex 32`.
 *
 * @returns false when the token holds a key of that label already (nothing is created).
 * @throws ServerError `ERR_CONFIG_INVALID` for a custody that is not a pkcs11: URI, no PIN or a
 *   wrong one; `ERR_CUSTODY_UNAVAILABLE` when the module or token cannot be reached.
 */
export async function createCustodyKey(
  custody: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const parsed = parseCustody(custody)
  if (parsed.kind !== 'pkcs11') {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      'custody-init creates PKCS#11 keys only: create a KMS key with AWS, a root key file with openssl rand -hex 32',
    )
  }
  return createPkcs11Key(parsed, env)
}
