import { Type } from 'typebox'

/**
 * An object to record under a policy: its id and header-core hash (base64url, as the header
 * holds them) and, for an object in S3, its location; `bucket` and `key` go together.
 */
export const PolicyObjectInputSchema = Type.Object({
  objectId: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', description: 'base64url object id' }),
  coreHash: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'base64url hc' }),
  bucket: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  key: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
})
