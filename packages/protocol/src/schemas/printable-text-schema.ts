import { Type } from 'typebox'

/**
 * The code points free text may not hold: C0 controls, DEL and C1 controls, the bidi controls
 * (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), U+2028 and U+2029, and lone
 * surrogates (ajv compiles patterns with the `u` flag, where a surrogate range matches only an
 * unpaired half).
 */
export const UNPRINTABLE_CLASS =
  '\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u2028-\\u202E\\u2066-\\u2069\\uD800-\\uDFFF'

/**
 * Free text a person typed and others will read on a terminal (a revoke or lockdown reason, a
 * label value): printable characters only, so a stored value cannot move a terminal's cursor,
 * erase or forge a line, or reorder text. Anything else is 400 `ERR_REQUEST_INVALID`.
 *
 * @param maxLength - The most characters (code points).
 * @param options - `minLength` (default 0), `description`.
 * @returns The string schema.
 */
export function PrintableTextSchema(
  maxLength: number,
  options: { readonly minLength?: number; readonly description?: string } = {},
) {
  return Type.String({
    ...options,
    maxLength,
    pattern: `^[^${UNPRINTABLE_CLASS}]*$`,
  })
}
