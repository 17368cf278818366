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

/** One server's part of a split claim: what goes in its `POST /v1/policies`. */
export interface SplitClaimPart {
  /** This server's claim: sent to it alone. */
  readonly claim: string
  readonly split: { readonly share: 1 | 2; readonly peer: string }
}

/** Fresh claims on one policy id shared by two key servers (share 1's and share 2's). */
export interface SplitPolicyClaim {
  readonly parts: readonly [SplitClaimPart, SplitClaimPart]
  /** `p-` + base64url(SHA-256("latch/policy-id/split/v1" ‖ h_1 ‖ h_2)[0..16]). */
  readonly policyId: string
}

const SPLIT_DOMAIN = Buffer.from('latch/policy-id/split/v1')
const COMMITMENT_DOMAIN = Buffer.from('latch/policy-claim/v1')

/**
 * Fresh claims for a file split across two key servers, `kasIds` in share order: one policy id,
 * a claim for each server, and each server told only the other's commitment
 * `h_s = SHA-256("latch/policy-claim/v1" ‖ len(kas_s) ‖ kas_s ‖ claim_s)`. A claim commits under
 * its own server's id only, so the operator of one server, who learns its claim, cannot create
 * the policy (naming its own readers) on the other server before this client does.
 */
export function splitPolicyClaim(kasIds: readonly [string, string]): SplitPolicyClaim {
  const secrets = [randomBytes(32), randomBytes(32)] as const
  const [h1, h2] = kasIds.map((kasId, i) => {
    const kas = Buffer.from(kasId, 'ascii')
    return createHash('sha256')
      .update(COMMITMENT_DOMAIN)
      .update(Uint8Array.of(kas.length))
      .update(kas)
      .update(secrets[i] as Buffer)
      .digest()
  }) as [Buffer, Buffer]
  const digest = createHash('sha256').update(SPLIT_DOMAIN).update(h1).update(h2).digest()
  return {
    parts: [
      {
        claim: secrets[0].toString('base64url'),
        split: { share: 1, peer: h2.toString('base64url') },
      },
      {
        claim: secrets[1].toString('base64url'),
        split: { share: 2, peer: h1.toString('base64url') },
      },
    ],
    policyId: `p-${digest.subarray(0, 16).toString('base64url')}`,
  }
}
