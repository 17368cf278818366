import { type Static, Type } from 'typebox'
import { Base64urlSchema } from './base64url-schema.js'

/** The schema of {@link RewrapRequest}. */
export const RewrapRequestSchema = Type.Object({
  core: Base64urlSchema('the object header core (format §3), base64url', 512),
  jwe: Type.String({ minLength: 1, maxLength: 2048, description: "one key entry's compact JWE" }),
})

/**
 * One key request: an object's header core (base64url) and one of its key entries (a compact
 * JWE), whose share the server releases re-wrapped to the client's throw-away key.
 */
export type RewrapRequest = Static<typeof RewrapRequestSchema>
