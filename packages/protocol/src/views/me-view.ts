import { type Static, Type } from 'typebox'

/** The schema of {@link MeView}. */
export const MeViewSchema = Type.Object({
  email: Type.String(),
  role: Type.String(),
  scheme: Type.String(),
  mintedBy: Type.Union([Type.String(), Type.Null()], {
    description: 'who minted this API token, when not its own user',
  }),
})

/**
 * Who the caller's token belongs to: email, role, scheme (`token` or `oidc`), and who minted an
 * API token when not its own user.
 */
export type MeView = Static<typeof MeViewSchema>
