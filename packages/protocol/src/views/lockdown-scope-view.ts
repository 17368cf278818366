import { type Static, Type } from 'typebox'

/** The schema of {@link LockdownScopeView}. */
export const LockdownScopeViewSchema = Type.Object({
  kind: Type.Union([Type.Literal('all'), Type.Literal('bucket'), Type.Literal('owner')]),
  bucket: Type.Union([Type.String(), Type.Null()]),
  prefix: Type.Union([Type.String(), Type.Null()]),
  owner: Type.Union([Type.String(), Type.Null()]),
})

/**
 * What a lockdown rule covers: every policy (`all`), the policies with an object registered in a
 * bucket under a key prefix (`bucket`), or one owner's (`owner`); the members another kind does
 * not use are `null`.
 */
export type LockdownScopeView = Static<typeof LockdownScopeViewSchema>
