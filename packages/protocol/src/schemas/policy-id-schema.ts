import { Type } from 'typebox'

/** A policy id as object headers carry it (format §3): `[A-Za-z0-9._:-]`, 1 to 255 characters. */
export const PolicyIdSchema = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[A-Za-z0-9._:-]+$',
})
