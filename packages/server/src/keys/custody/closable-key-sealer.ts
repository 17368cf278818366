import type { KeySealer } from '../key-sealer.js'

/** A {@link KeySealer} of a custody, which may hold a session to release on stop. */
export interface ClosableKeySealer extends KeySealer {
  /** The custody's kind, for logs and audit records. */
  readonly custody: 'root-key' | 'pkcs11' | 'aws-kms' | 'injected'
  close?(): Promise<void>
}
