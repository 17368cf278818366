import { type Static, Type } from 'typebox'

/** The schema of {@link UserView}; a component of the OpenAPI document (`$id: "User"`). */
export const UserViewSchema = Type.Object(
  {
    email: Type.String(),
    role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
    mayAssignOwner: Type.Boolean(),
    disabledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    oidc: Type.Union(
      [Type.Object({ issuer: Type.String(), subject: Type.String() }), Type.Null()],
      {
        description: 'the OIDC account linked to the user, through which it keeps its role',
      },
    ),
  },
  { $id: 'User' },
)

/**
 * A user as the key server shows it: role, whether it may name another owner (a service
 * account), when it was disabled, and the OIDC account linked to it.
 */
export type UserView = Static<typeof UserViewSchema>
