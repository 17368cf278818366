import { Type } from 'typebox'

/** The longest identity (an email address, RFC 5321's 64 + 1 + 255). */
export const MAX_IDENTITY_LENGTH = 320

// Visible ASCII (0x21–0x7E) without `@`, so that every identity has one spelling: no white space,
// no control or bidi characters, and nothing that lower-cases into ASCII (U+212A KELVIN SIGN
// becomes `k`).
const VISIBLE_NOT_AT = '\\x21-\\x3f\\x41-\\x7e'

/** The JSON-schema pattern of an email address: visible ASCII, one `@` with text on both sides. */
export const EMAIL_PATTERN = `^[${VISIBLE_NOT_AT}]+@[${VISIBLE_NOT_AT}]+$`

/**
 * An email address: visible ASCII only (no white space, control, bidi or other non-ASCII
 * character, which could spell a real user's address differently), one `@`. The server
 * lower-cases it.
 */
export const EmailSchema = Type.String({
  minLength: 3,
  maxLength: MAX_IDENTITY_LENGTH,
  pattern: EMAIL_PATTERN,
  description: 'an email address (visible ASCII)',
})
