import { type Static, Type } from 'typebox'

/** The schema of {@link TokenView}. */
export const TokenViewSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  mintedBy: Type.Union([Type.String(), Type.Null()], {
    description: 'who minted it (its user, an admin, system); null: unknown',
  }),
})

/** An API token as the key server lists it (never its secret). */
export type TokenView = Static<typeof TokenViewSchema>
