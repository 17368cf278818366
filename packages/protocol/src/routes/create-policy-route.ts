import { type Static, Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import { refTo } from '../internal/ref-to.js'
import type { RouteDefinition } from '../route-definition.js'
import { EmailSchema } from '../schemas/email-schema.js'
import { PolicyClaimSchema } from '../schemas/policy-claim-schema.js'
import { PolicyObjectInputSchema } from '../schemas/policy-object-input-schema.js'
import { PrintableTextSchema } from '../schemas/printable-text-schema.js'
import { ReaderSchema } from '../schemas/reader-schema.js'
import { TimeSchema } from '../schemas/time-schema.js'
import { PolicyViewSchema } from '../views/policy-view.js'

const Labels = Type.Record(
  Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:/-]+$' }),
  PrintableTextSchema(256),
  { maxProperties: 32 },
)

/**
 * `POST /v1/policies`: the policy of a file. The caller is its owner unless an admin or an allowed
 * service account names another (`owner`); `expiresAt` must be in the future.
 *
 * Without `claim` the server picks the id, for a file about to be encrypted. With `claim` (32
 * random bytes the client chose and keeps secret, base64url) the id is
 * `p-` + base64url(SHA-256("latch/policy-id/v1" ‖ claim bytes)[0..16]): the client computes it,
 * encrypts and stores the file under it first, then creates the policy with the stored `object`
 * registered in the same transaction, one round trip per file. Knowing the id (it is in the
 * stored header) does not let anyone create its policy: that takes the claim. 409 when a policy
 * with that id exists.
 *
 * A file split across two key servers has one policy id on both, and each server gets only its
 * own claim: `split` says which share this server holds and carries the other server's
 * commitment. Share `s`'s commitment is
 * `h_s = SHA-256("latch/policy-claim/v1" ‖ len(kas_s) ‖ kas_s ‖ claim_s bytes)`, with `kas_s` that
 * server's `kasId` (ASCII, one length byte), and the id is
 * `p-` + base64url(SHA-256("latch/policy-id/split/v1" ‖ h_1 ‖ h_2)[0..16]). A claim commits under
 * its own server's id only, so the operator of one server, who learns its claim, still cannot
 * create the policy on the other.
 */
export const createPolicyRoute = {
  method: 'POST',
  url: '/v1/policies',
  schema: {
    summary: 'Create the policy of a file (with a claim: and register its stored object)',
    body: Type.Object({
      owner: Type.Optional(EmailSchema),
      readers: Type.Optional(Type.Array(ReaderSchema, { maxItems: 1000 })),
      expiresAt: Type.Optional(TimeSchema),
      labels: Type.Optional(Labels),
      claim: Type.Optional(PolicyClaimSchema),
      split: Type.Optional(
        Type.Object({
          share: Type.Union([Type.Literal(1), Type.Literal(2)], {
            description: 'the share this server holds',
          }),
          peer: Type.String({
            pattern: '^[A-Za-z0-9_-]{43}$',
            description:
              'the other server\'s commitment, base64url: SHA-256("latch/policy-claim/v1" ‖ len(kasId) ‖ kasId ‖ claim)',
          }),
        }),
      ),
      object: Type.Optional(PolicyObjectInputSchema),
    }),
    response: { 201: refTo(PolicyViewSchema), 409: errorResponse, ...errorResponses },
  },
} as const satisfies RouteDefinition

/**
 * The body of {@link createPolicyRoute}: owner, readers, expiry (RFC 3339) and labels; a client's
 * `claim` on the id (with `split`, on the id shared with another key server) and the `object`
 * stored under it.
 */
export type CreatePolicyBody = Static<typeof createPolicyRoute.schema.body>
