import type { Role } from '../store/records.js'

/** Who is calling, once authenticated. */
export interface Identity {
  /** Lower-case email: the name policies use for owners and readers. */
  readonly email: string
  readonly role: Role
  /** A service account allowed to name another owner when it creates a policy. */
  readonly mayAssignOwner: boolean
  /** `token`: a Latch API token; `oidc`: a bearer JWT from the configured issuer. */
  readonly scheme: 'token' | 'oidc' | 'system'
  /** API token id, or the JWT's `jti`. */
  readonly tokenId: string | undefined
  /** The OIDC issuer, for OIDC identities. */
  readonly issuer: string | undefined
}

/** The server acting on its own (first start, key creation, checkpoints). */
export const SYSTEM_IDENTITY: Identity = {
  email: 'system',
  role: 'admin',
  mayAssignOwner: true,
  scheme: 'system',
  tokenId: undefined,
  issuer: undefined,
}
