import { type Static, Type } from 'typebox'

/** The schema of {@link AuditKey}. */
export const AuditKeySchema = Type.Object({
  origin: Type.String(),
  name: Type.String(),
  publicKey: Type.String({ description: 'raw 32-byte Ed25519 key, base64' }),
  keyId: Type.String({ description: 'C2SP note key id, base64' }),
  verifierKey: Type.String({
    description: 'name+keyid+key, for latch audit verify --key',
  }),
})

/**
 * The Ed25519 key that signs audit checkpoints, and the verifier key (`name+keyid+key`) that
 * `latch audit verify --key` takes.
 */
export type AuditKey = Static<typeof AuditKeySchema>
