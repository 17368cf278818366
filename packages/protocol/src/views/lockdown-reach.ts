import { type Static, Type } from 'typebox'
import { LockdownScopeViewSchema } from './lockdown-scope-view.js'

/** The schema of {@link LockdownReach}. */
export const LockdownReachSchema = Type.Object({
  dryRun: Type.Literal(true),
  scope: LockdownScopeViewSchema,
  policies: Type.Integer(),
  objects: Type.Integer(),
})

/**
 * What a lockdown would cover now (`dryRun`): the policies in its scope and their registered
 * locations in it (an object at two locations counts twice). Nothing was changed.
 */
export type LockdownReach = Static<typeof LockdownReachSchema>
