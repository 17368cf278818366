import { Type } from 'typebox'
import { MAX_IDENTITY_LENGTH } from './email-schema.js'

// Visible ASCII without `@` and `*`: the star only stands alone, for every address at a domain.
const VISIBLE_NOT_AT_STAR = '\\x21-\\x29\\x2b-\\x3f\\x41-\\x7e'

/** The JSON-schema pattern of a reader entry: an email address, or `*@domain`. */
export const READER_PATTERN = `^(\\*|[${VISIBLE_NOT_AT_STAR}]+)@[${VISIBLE_NOT_AT_STAR}]+$`

/** A reader entry: an email address (see `EmailSchema`), or `*@domain`. */
export const ReaderSchema = Type.String({
  minLength: 3,
  maxLength: MAX_IDENTITY_LENGTH,
  pattern: READER_PATTERN,
  description: 'an email, or *@domain for every address at that domain (visible ASCII)',
})
