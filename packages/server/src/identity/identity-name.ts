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

/** The longest identity (an email address, RFC 5321's 64 + 1 + 255). */
export const MAX_IDENTITY_LENGTH = 320

// Visible ASCII (0x21–0x7E), so that every identity has one spelling: no white space, no control
// or bidi characters, and nothing that lower-cases into ASCII (U+212A KELVIN SIGN becomes `k`).
const VISIBLE = '\\x21-\\x7e'
const VISIBLE_NOT_AT = '\\x21-\\x3f\\x41-\\x7e'
const VISIBLE_NOT_AT_STAR = '\\x21-\\x29\\x2b-\\x3f\\x41-\\x7e'

/** The JSON-schema pattern of an email address: visible ASCII, one `@` with text on both sides. */
export const EMAIL_PATTERN = `^[${VISIBLE_NOT_AT}]+@[${VISIBLE_NOT_AT}]+$`

/** The pattern of a reader entry: an email address, or `*@domain`. */
export const READER_PATTERN = `^(\\*|[${VISIBLE_NOT_AT_STAR}]+)@[${VISIBLE_NOT_AT_STAR}]+$`

const EMAIL = new RegExp(EMAIL_PATTERN)
const NAME = new RegExp(`^[${VISIBLE}]+$`)

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
