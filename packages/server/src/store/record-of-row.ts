import type {
  AuditHead,
  CheckpointRecord,
  LockdownRule,
  LockdownScope,
  PolicyObject,
  PolicyRecord,
  Role,
  ServerKeyRecord,
  TokenRecord,
  UserRecord,
} from './records.js'

/** A time as a driver returns it: PostgreSQL's `Date`, or SQLite's ISO 8601 text. */
type DbTime = Date | string

/** A boolean as a driver returns it: PostgreSQL's `boolean`, or SQLite's 0/1. */
type DbBool = boolean | number

/** A `users` row, as both stores' schemas name its columns. */
export interface UserRow {
  email: string
  role: Role
  may_assign_owner: DbBool
  disabled_at: DbTime | null
  created_at: DbTime
  oidc_issuer: string | null
  oidc_subject: string | null
}

/** A `tokens` row and its user's row, as `findLiveToken` joins them. */
export type LiveTokenRow = TokenRow & UserRow & { user_created_at: DbTime }

/** A `server_keys` row. */
export interface ServerKeyRow {
  kid: string
  use: 'wrap' | 'checkpoint'
  public_key: Uint8Array
  sealed_private_key: Uint8Array
  created_at: DbTime
}

/** The `audit_head` row. */
export interface HeadRow {
  size: number
  head_hash: Buffer
  signed_size: number
  signed_at: DbTime | null
  first_unsigned_at: DbTime | null
}

/** A `checkpoints` row. */
export interface CheckpointRow {
  size: number
  note: string
  signed_at: DbTime
}

/** A `tokens` row. */
export interface TokenRow {
  id: string
  email: string
  hash: Uint8Array
  created_at: DbTime
  revoked_at: DbTime | null
  minted_by: string | null
}

/** A `policies` row (readers and labels as JSON text). */
export interface PolicyRow {
  id: string
  owner: string
  readers: string
  expires_at: DbTime | null
  labels: string
  revoked_by: string | null
  revoked_at: DbTime | null
  revoked_reason: string | null
  version: number
  created_at: DbTime
  created_by: string
}

/** A `policy_objects` row. */
export interface ObjectRow {
  policy_id: string
  object_id: string
  core_hash: string
  bucket: string | null
  key: string | null
  registered_at: DbTime
}

/** A `lockdown_rules` row. */
export interface LockdownRow {
  id: string
  scope_kind: 'all' | 'bucket' | 'owner'
  bucket: string | null
  prefix: string | null
  owner: string | null
  reason: string
  created_by: string
  created_at: DbTime
  lifted_by: string | null
  lifted_at: DbTime | null
  lifted_reason: string | null
}

function time(value: DbTime): Date {
  return new Date(value)
}

function optionalTime(value: DbTime | null): Date | undefined {
  return value === null ? undefined : new Date(value)
}

// A revocation or a lift, from its three columns: none while its time is NULL.
function actOf(
  by: string | null,
  at: DbTime | null,
  reason: string | null,
): { by: string; at: Date; reason: string | undefined } | undefined {
  return at === null ? undefined : { by: by ?? '', at: time(at), reason: reason ?? undefined }
}

/** A user record from its row (either store). */
export function userOfRow(row: UserRow): UserRecord {
  return {
    email: row.email,
    role: row.role,
    mayAssignOwner: row.may_assign_owner === true || row.may_assign_owner === 1,
    disabledAt: optionalTime(row.disabled_at),
    createdAt: time(row.created_at),
    oidc:
      row.oidc_issuer === null || row.oidc_subject === null
        ? undefined
        : { issuer: row.oidc_issuer, subject: row.oidc_subject },
  }
}

/** A token record from its row. */
export function tokenOfRow(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    email: row.email,
    hash: row.hash,
    createdAt: time(row.created_at),
    revokedAt: optionalTime(row.revoked_at),
    mintedBy: row.minted_by ?? undefined,
  }
}

/** A live token and its user from their joined rows. */
export function liveTokenOfRow(row: LiveTokenRow): { token: TokenRecord; user: UserRecord } {
  return { token: tokenOfRow(row), user: userOfRow({ ...row, created_at: row.user_created_at }) }
}

/** A server key pair from its row. */
export function serverKeyOfRow(row: ServerKeyRow): ServerKeyRecord {
  return {
    kid: row.kid,
    use: row.use,
    publicKey: row.public_key,
    sealedPrivateKey: row.sealed_private_key,
    createdAt: time(row.created_at),
  }
}

/** The chain head from the `audit_head` row. */
export function auditHeadOfRow(row: HeadRow): AuditHead {
  return {
    size: row.size,
    headHash: row.head_hash,
    signedSize: row.signed_size,
    signedAt: optionalTime(row.signed_at),
    firstUnsignedAt: optionalTime(row.first_unsigned_at),
  }
}

/** A checkpoint from its row. */
export function checkpointOfRow(row: CheckpointRow): CheckpointRecord {
  return { size: row.size, note: row.note, signedAt: time(row.signed_at) }
}

/** A policy object from its row. */
export function objectOfRow(row: ObjectRow): PolicyObject {
  return {
    objectId: row.object_id,
    coreHash: row.core_hash,
    bucket: row.bucket ?? undefined,
    key: row.key ?? undefined,
    registeredAt: time(row.registered_at),
  }
}

/** A policy record from its row and its objects (empty when they were not loaded). */
export function policyOfRow(row: PolicyRow, objects: PolicyObject[]): PolicyRecord {
  return {
    id: row.id,
    owner: row.owner,
    readers: JSON.parse(row.readers) as string[],
    expiresAt: optionalTime(row.expires_at),
    labels: JSON.parse(row.labels) as Record<string, string>,
    revocation: actOf(row.revoked_by, row.revoked_at, row.revoked_reason),
    version: row.version,
    createdAt: time(row.created_at),
    createdBy: row.created_by,
    objects,
  }
}

/** A lockdown rule from its row. */
export function lockdownOfRow(row: LockdownRow): LockdownRule {
  const scope: LockdownScope =
    row.scope_kind === 'bucket'
      ? { kind: 'bucket', bucket: row.bucket ?? '', prefix: row.prefix ?? '' }
      : row.scope_kind === 'owner'
        ? { kind: 'owner', owner: row.owner ?? '' }
        : { kind: 'all' }
  return {
    id: row.id,
    scope,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: time(row.created_at),
    lifted: actOf(row.lifted_by, row.lifted_at, row.lifted_reason),
  }
}
