import { Type } from 'typebox'

/**
 * A client's claim on a policy id: 32 random bytes (base64url) the id is derived from,
 * `p-` + base64url(SHA-256("latch/policy-id/v1" ‖ claim)[0..16]); a secret of the client.
 */
export const PolicyClaimSchema = Type.String({
  pattern: '^[A-Za-z0-9_-]{43}$',
  description:
    '32 random bytes (base64url) the id is derived from: p- + base64url(SHA-256("latch/policy-id/v1" ‖ claim)[0..16]); a secret of the client',
})
