import { type Static, Type } from 'typebox'
import { refTo } from '../internal/ref-to.js'
import { UserViewSchema } from './user-view.js'

/** The schema of {@link UserList}. */
export const UserListSchema = Type.Object({ users: Type.Array(refTo(UserViewSchema)) })

/** Every user (`GET /v1/users`). */
export type UserList = Static<typeof UserListSchema>
