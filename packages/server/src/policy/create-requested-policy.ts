import { randomBytes } from 'node:crypto'
import type { CreatePolicyBody } from '@latch/protocol'
import { auditEvent, type RequestMeta } from '../audit/audit-event.js'
import type { Identity } from '../auth/identity.js'
import { ServerError } from '../errors.js'
import { parseTimeInput } from '../http/parse-time-input.js'
import type { KeyServerServices } from '../services.js'
import type { PolicyRecord } from '../store/records.js'
import { locatedObject } from './located-object.js'
import { policyIdOfClaim } from './policy-id-of-claim.js'

/**
 * Creates the policy `POST /v1/policies` asks for, as `caller`: the checks of the route (who may
 * name another owner, a future expiry, `object` and `split` only with a claim, a located object),
 * then the policy with its object and their audit records in one transaction of the store. A
 * batch item (`POST /v1/policies/batch`) goes through exactly this too. The store call is made
 * before the first `await`, so items created in one turn join one group commit (SQLite).
 *
 * @throws ServerError `ERR_ACCESS_FORBIDDEN`, `ERR_REQUEST_INVALID`, `ERR_CONFLICT`, and the
 *   store's `ERR_AUDIT_UNAVAILABLE` / `ERR_STORE_UNAVAILABLE` (then nothing was created).
 */
export async function createRequestedPolicy(
  services: Pick<KeyServerServices, 'store' | 'config'>,
  caller: Identity,
  meta: RequestMeta,
  body: CreatePolicyBody,
): Promise<PolicyRecord> {
  const owner = body.owner?.toLowerCase() ?? caller.email
  if (owner !== caller.email && caller.role !== 'admin' && !caller.mayAssignOwner) {
    throw new ServerError(
      'ERR_ACCESS_FORBIDDEN',
      'only an admin or an allowed service account may name another owner',
    )
  }
  const expiresAt =
    body.expiresAt === undefined ? undefined : parseTimeInput(body.expiresAt, 'expiresAt')
  if (expiresAt !== undefined && expiresAt.getTime() <= Date.now()) {
    throw new ServerError('ERR_REQUEST_INVALID', 'expiresAt must be in the future')
  }
  const readers = [...new Set((body.readers ?? []).map((r) => r.toLowerCase()))]
  if (body.object !== undefined && body.claim === undefined) {
    throw new ServerError(
      'ERR_REQUEST_INVALID',
      'object needs claim: only an id the client chose can already be in a stored header',
    )
  }
  if (body.split !== undefined && body.claim === undefined) {
    throw new ServerError('ERR_REQUEST_INVALID', 'split needs claim')
  }
  const object = body.object === undefined ? undefined : locatedObject(body.object)
  // The claim is the client's secret: it picks the id and is neither stored nor audited.
  const id =
    body.claim === undefined
      ? `p-${randomBytes(16).toString('base64url')}`
      : policyIdOfClaim(body.claim, body.split && { ...body.split, kasId: services.config.kasId })
  return services.store.createPolicy(
    { id, owner, readers, expiresAt, labels: body.labels ?? {}, createdBy: caller.email },
    auditEvent('policy.create', caller, meta, {
      policy_id: id,
      after: {
        owner,
        readers,
        expires_at: expiresAt?.toISOString() ?? null,
        labels: body.labels ?? {},
      },
    }),
    // The same record `POST /v1/policies/:id/objects` would append, in the same transaction.
    object === undefined
      ? undefined
      : {
          object,
          audit: (before) =>
            auditEvent('policy.object.add', caller, meta, {
              policy_id: before.id,
              policy_version: before.version,
              object_id: object.objectId,
              core_hash: object.coreHash,
              bucket: object.bucket,
              key: object.key,
            }),
        },
  )
}
