import { createHash, randomBytes } from 'node:crypto'

const DOMAIN = Buffer.from('latch/policy-id/v1')

/** A client's claim on a policy id: the secret to send, and the id it stands for. */
export interface PolicyClaim {
  /** 32 random bytes, base64url: sent once, to create the policy; never stored or logged. */
  readonly claim: string
  /** `p-` + base64url(SHA-256("latch/policy-id/v1" ‖ claim)[0..16]), what the server derives. */
  readonly policyId: string
}

/**
 * A fresh claim on a policy id (`POST /v1/policies` with `claim`): the object is encrypted under
 * the id and stored first, then the policy is created with the object registered, one round trip.
 * Only who holds the claim can create that policy, so an id read from a stored header (before
 * its policy exists, or forever after a client died between the two steps) cannot be taken.
 */
export function policyClaim(): PolicyClaim {
  const secret = randomBytes(32)
  const digest = createHash('sha256').update(DOMAIN).update(secret).digest()
  return {
    claim: secret.toString('base64url'),
    policyId: `p-${digest.subarray(0, 16).toString('base64url')}`,
  }
}
