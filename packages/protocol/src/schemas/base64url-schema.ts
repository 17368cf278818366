import { Type } from 'typebox'

/**
 * A non-empty base64url string (no padding).
 *
 * @param description - What it encodes, for the OpenAPI document.
 * @param maxLength - The most characters (default 4096).
 * @returns The string schema.
 */
export function Base64urlSchema(description: string, maxLength = 4096) {
  return Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+$', description })
}
