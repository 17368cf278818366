import { type Static, Type } from 'typebox'

/** The schema of {@link MintedToken}. */
export const MintedTokenSchema = Type.Object({
  email: Type.String(),
  tokenId: Type.String(),
  token: Type.String(),
})

/** A new API token: the answer holds its only copy (`token`); the server keeps its hash. */
export type MintedToken = Static<typeof MintedTokenSchema>
