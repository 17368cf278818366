import type { KMSClient } from '@aws-sdk/client-kms'
import { ServerError } from '../../errors.js'
import type { ClosableKeySealer } from './closable-key-sealer.js'
import type { Custody } from './parse-custody.js'

type KmsCustody = Extract<Custody, { kind: 'aws-kms' }>

// KMS's answers that mean "this key does not open this blob here", as opposed to an outage.
const REFUSALS = new Set([
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'AccessDeniedException',
  'InvalidKeyUsageException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ValidationException',
])

/**
 * A {@link ClosableKeySealer} on an AWS KMS symmetric key: `Encrypt` / `Decrypt` (the sealed key
 * is KMS's ciphertext blob) with the encryption context `{ "latch:kas": kasId, "latch:kid": kid }`,
 * so a blob opens only for this key server's key of that id, and CloudTrail names both on every
 * call. Credentials come from the AWS SDK's default chain (environment, shared files, instance
 * role); the custody's `endpoint` points at a VPC endpoint or an emulator.
 *
 * Connection and request timeouts are short (2 s, 5 s) and the SDK retries once: a KMS that does
 * not answer fails the start-up (or the request) instead of hanging it.
 *
 * @throws ServerError, from seal/unseal, `ERR_CUSTODY_UNAVAILABLE` when KMS cannot be reached or
 *   throttles; `ERR_CONFIG_INVALID` when it refuses (no such key, access denied, a blob of
 *   another key or context).
 */
export async function openKmsSealer(
  custody: KmsCustody,
  kasId: string,
): Promise<ClosableKeySealer> {
  const kms = await import('@aws-sdk/client-kms')
  const client: KMSClient = new kms.KMSClient({
    ...(custody.region === undefined ? {} : { region: custody.region }),
    ...(custody.endpoint === undefined ? {} : { endpoint: custody.endpoint }),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  })
  const contextOf = (kid: string) => ({ 'latch:kas': kasId, 'latch:kid': kid })
  return {
    custody: 'aws-kms',
    async seal(privateKey, context) {
      try {
        const out = await client.send(
          new kms.EncryptCommand({
            KeyId: custody.keyId,
            Plaintext: privateKey,
            EncryptionContext: contextOf(context),
          }),
        )
        if (out.CiphertextBlob === undefined) throw new Error('KMS returned no ciphertext')
        return out.CiphertextBlob
      } catch (cause) {
        throw failure(cause, `KMS key ${custody.keyId} refused to seal server key ${context}`)
      }
    },
    async unseal(sealed, context) {
      try {
        const out = await client.send(
          new kms.DecryptCommand({
            // Naming the key makes KMS refuse a blob of another key instead of opening it.
            KeyId: custody.keyId,
            CiphertextBlob: sealed,
            EncryptionContext: contextOf(context),
          }),
        )
        if (out.Plaintext === undefined) throw new Error('KMS returned no plaintext')
        return Buffer.from(out.Plaintext)
      } catch (cause) {
        throw failure(
          cause,
          `server key ${context} does not open under KMS key ${custody.keyId} (another key, region or kas id?)`,
        )
      }
    },
    async close() {
      client.destroy()
    },
  }
}

function failure(cause: unknown, refusal: string): ServerError {
  const name = (cause as { name?: string }).name ?? ''
  if (REFUSALS.has(name)) return new ServerError('ERR_CONFIG_INVALID', refusal, { cause })
  return new ServerError('ERR_CUSTODY_UNAVAILABLE', 'custody: KMS cannot be reached', { cause })
}
