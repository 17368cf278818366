import { type Static, Type } from 'typebox'
import { LockdownScopeViewSchema } from './lockdown-scope-view.js'

/**
 * The schema of {@link LockdownRuleView}; a component of the OpenAPI document
 * (`$id: "LockdownRule"`).
 */
export const LockdownRuleViewSchema = Type.Object(
  {
    id: Type.String(),
    scope: LockdownScopeViewSchema,
    reason: Type.String(),
    createdBy: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    lifted: Type.Union([
      Type.Object({
        by: Type.String(),
        at: Type.String({ format: 'date-time' }),
        reason: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ]),
  },
  { $id: 'LockdownRule' },
)

/** A lockdown rule as the key server shows it: its scope, why, by whom, and whether it was lifted. */
export type LockdownRuleView = Static<typeof LockdownRuleViewSchema>
