/**
 * Every code of {@link ServerErrorCode}, in the order of `docs/errors.md`: for exhaustive tables,
 * the docs test and {@link isServerErrorCode}.
 */
export const SERVER_ERROR_CODES = Object.freeze([
  'ERR_REQUEST_INVALID',
  'ERR_REQUEST_TOO_LARGE',
  'ERR_CURSOR_INVALID',
  'ERR_AUTH_REQUIRED',
  'ERR_AUTH_INVALID',
  'ERR_ACCESS_DENIED',
  'ERR_ACCESS_FORBIDDEN',
  'ERR_NOT_FOUND',
  'ERR_CONFLICT',
  'ERR_RATE_LIMITED',
  'ERR_AUDIT_UNAVAILABLE',
  'ERR_STORE_UNAVAILABLE',
  'ERR_CUSTODY_UNAVAILABLE',
  'ERR_INTERNAL',
  'ERR_CONFIG_INVALID',
] as const)

/**
 * The closed union of the key server's error codes: the `code` of every error answer
 * (`{ code, message, requestId }`) and of every error the server throws. Codes are public API:
 * never renamed or reused (`docs/errors.md`). The HTTP status of each is {@link statusFor}; the
 * CLI's exit code is in its own table.
 *
 * - `ERR_REQUEST_INVALID`: a malformed request (schema, encoding, an unparsable key or JWE, a
 *   client key of small order).
 * - `ERR_REQUEST_TOO_LARGE`: a body above the size limit.
 * - `ERR_CURSOR_INVALID`: a paging cursor the server did not issue, or issued for other filters
 *   or another caller: start again from the first page.
 * - `ERR_AUTH_REQUIRED`: no bearer token.
 * - `ERR_AUTH_INVALID`: a token that is unknown, revoked, expired, badly signed, or whose user is
 *   disabled; an OIDC token whose email is unverified, or is a user's linked to another account.
 *   One code for all of them.
 * - `ERR_ACCESS_DENIED`: a key-release decision said no. One code and one body for every reason
 *   (not a reader, revoked, expired, locked down, a JWE that does not open or is bound elsewhere,
 *   an unknown policy): the reason is in the audit log only.
 * - `ERR_ACCESS_FORBIDDEN`: an administrative action the caller may not take (not an admin, not
 *   the policy's owner, an OIDC caller minting an API token).
 * - `ERR_NOT_FOUND`: no such route, policy, user, token or key.
 * - `ERR_CONFLICT`: the thing already exists (a user with that email).
 * - `ERR_RATE_LIMITED`: too many requests from this identity; retry after `Retry-After` seconds.
 * - `ERR_AUDIT_UNAVAILABLE`: the audit record could not be written, or the unsigned tail of the
 *   audit chain passed its bound. No key is released.
 * - `ERR_STORE_UNAVAILABLE`: the database cannot be reached or timed out.
 * - `ERR_CUSTODY_UNAVAILABLE`: the HSM (PKCS#11) or KMS that holds the root key cannot be reached
 *   or refused to work: no key is unsealed, so none is released.
 * - `ERR_INTERNAL`: a bug. The message says nothing more; the log has the cause.
 * - `ERR_CONFIG_INVALID`: the server cannot start with this configuration (root key, paths).
 *
 * The audit code's own failures (`ERR_AUDIT_*` but `ERR_AUDIT_UNAVAILABLE`) belong to `@latch/audit`:
 * no route answers one.
 */
export type ServerErrorCode = (typeof SERVER_ERROR_CODES)[number]
