import { createHash } from 'node:crypto'

const DOMAIN = Buffer.from('latch/policy-id/v1')

/**
 * The policy id a client's claim stands for (`POST /v1/policies` with `claim`):
 * `p-` + base64url(SHA-256("latch/policy-id/v1" ‖ claim)[0..16]). 128 bits, as the ids the server
 * picks; only who knows the claim can create the policy whose id an object's header carries.
 * @param claim - The claim's 32 bytes, base64url (the route's schema checks its shape).
 */
export function policyIdOfClaim(claim: string): string {
  const digest = createHash('sha256')
    .update(DOMAIN)
    .update(Buffer.from(claim, 'base64url'))
    .digest()
  return `p-${digest.subarray(0, 16).toString('base64url')}`
}
