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
  /**
   * Who minted the API token, when it was not its own user: an admin, `system`, or `unknown`.
   * Every audit record made with the token names them (`actor.minted_by`), since they may hold
   * a copy of it.
   */
  readonly mintedBy: string | undefined
}

/** The server acting on its own (first start, key creation, checkpoints). */
export const SYSTEM_IDENTITY: Identity = {
  email: 'system',
  role: 'admin',
  mayAssignOwner: true,
  scheme: 'system',
  tokenId: undefined,
  issuer: undefined,
  mintedBy: undefined,
}
