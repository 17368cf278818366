import { createHash } from 'node:crypto'

const DOMAIN = Buffer.from('latch/policy-id/v1')
const SPLIT_DOMAIN = Buffer.from('latch/policy-id/split/v1')
const COMMITMENT_DOMAIN = Buffer.from('latch/policy-claim/v1')

/** Which share of a split file this server holds, and the commitment to the other's claim. */
export interface SplitClaim {
  readonly share: 1 | 2
  /** base64url of the other server's commitment ({@link claimCommitment}). */
  readonly peer: string
}

/**
 * The policy id a client's claim stands for (`POST /v1/policies` with `claim`):
 * `p-` + base64url(SHA-256("latch/policy-id/v1" ‖ claim)[0..16]). 128 bits, as the ids the server
 * picks; only who knows the claim can create the policy whose id an object's header carries.
 *
 * With `split` (a file whose key needs a share from each of two key servers), the id is
 * `p-` + base64url(SHA-256("latch/policy-id/split/v1" ‖ h_1 ‖ h_2)[0..16]), where `h_s` is the
 * {@link claimCommitment} of share `s`'s server and claim; this server computes its own from its
 * `kasId` and `claim`. Each server sees one claim and the other's commitment, and a claim
 * commits under one server's id only: the operator of one server cannot create the policy on
 * the other.
 * @param claim - The claim's 32 bytes, base64url (the route's schema checks its shape).
 * @param split - This server's share, the other claim's commitment and this server's kas id.
 */
export function policyIdOfClaim(
  claim: string,
  split?: SplitClaim & { readonly kasId: string },
): string {
  const bytes = Buffer.from(claim, 'base64url')
  const hash = createHash('sha256')
  if (split === undefined) {
    hash.update(DOMAIN).update(bytes)
  } else {
    const own = claimCommitment(split.kasId, bytes)
    const peer = Buffer.from(split.peer, 'base64url')
    hash.update(SPLIT_DOMAIN)
    if (split.share === 1) hash.update(own).update(peer)
    else hash.update(peer).update(own)
  }
  return `p-${hash.digest().subarray(0, 16).toString('base64url')}`
}

/**
 * `SHA-256("latch/policy-claim/v1" ‖ len(kasId) ‖ kasId ‖ claim)`: a split claim bound to the key
 * server that holds it, so that it yields the file's id on no other server.
 */
export function claimCommitment(kasId: string, claim: Uint8Array): Buffer {
  const kas = Buffer.from(kasId, 'ascii')
  return createHash('sha256')
    .update(COMMITMENT_DOMAIN)
    .update(Uint8Array.of(kas.length))
    .update(kas)
    .update(claim)
    .digest()
}
