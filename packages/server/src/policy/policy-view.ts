import type { PolicyView, UserView } from '@latch/protocol'
import type { PolicyRecord, UserRecord } from '../store/records.js'

/** A policy as the API shows it (dates as ISO strings, absent values as null). */
export function policyView(policy: PolicyRecord): PolicyView {
  return {
    id: policy.id,
    owner: policy.owner,
    readers: [...policy.readers],
    expiresAt: policy.expiresAt?.toISOString() ?? null,
    labels: { ...policy.labels },
    state: policy.revocation === undefined ? ('active' as const) : ('revoked' as const),
    revoked:
      policy.revocation === undefined
        ? null
        : {
            by: policy.revocation.by,
            at: policy.revocation.at.toISOString(),
            reason: policy.revocation.reason ?? null,
          },
    version: policy.version,
    createdAt: policy.createdAt.toISOString(),
    createdBy: policy.createdBy,
    objects: policy.objects.map((o) => ({
      objectId: o.objectId,
      coreHash: o.coreHash,
      bucket: o.bucket ?? null,
      key: o.key ?? null,
      registeredAt: o.registeredAt.toISOString(),
    })),
  }
}

/** A user as the API shows it. */
export function userView(user: UserRecord): UserView {
  return {
    email: user.email,
    role: user.role,
    mayAssignOwner: user.mayAssignOwner,
    disabledAt: user.disabledAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    oidc: user.oidc === undefined ? null : { ...user.oidc },
  }
}
