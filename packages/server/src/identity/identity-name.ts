import { EMAIL_PATTERN, MAX_IDENTITY_LENGTH } from '@latch/protocol'

/**
 * Names the audit log gives actors of its own (`system`, the server; `unauthenticated`, a failed
 * authentication; `unknown`, the minter of a token older than minter records). No user, owner,
 * reader or OIDC identity may be called one of these, so that a record's actor is never ambiguous.
 */
export const RESERVED_IDENTITIES: ReadonlySet<string> = new Set([
  'system',
  'unauthenticated',
  'unknown',
])

// Visible ASCII (0x21–0x7E), so that every identity has one spelling: no white space, no control
// or bidi characters, and nothing that lower-cases into ASCII (U+212A KELVIN SIGN becomes `k`).
const EMAIL = new RegExp(EMAIL_PATTERN)
const NAME = /^[\x21-\x7e]+$/

/**
 * The one spelling of an identity taken from outside (an OIDC claim): lower case, checked before
 * lower-casing, so that no two spellings name one user and a disabled user cannot come back in
 * another case.
 *
 * @param value - The claim's value, of any type.
 * @param kind - `email`: an email address ({@link EMAIL_PATTERN}); `name`: any other claim
 *   (`preferred_username`), visible ASCII.
 * @returns The lower-cased identity, or `undefined` when `value` is not a string of 1 to
 *   {@link MAX_IDENTITY_LENGTH} characters of that shape, or is a reserved name.
 * @example
 * ```ts
 * identityName('Alice@Example.com', 'email') // 'alice@example.com'
 * identityName('admin@latch.\u212Aocal', 'email') // undefined
 * ```
 */
export function identityName(value: unknown, kind: 'email' | 'name'): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_IDENTITY_LENGTH) return undefined
  if (!(kind === 'email' ? EMAIL : NAME).test(value)) return undefined
  const name = value.toLowerCase()
  return RESERVED_IDENTITIES.has(name) ? undefined : name
}
