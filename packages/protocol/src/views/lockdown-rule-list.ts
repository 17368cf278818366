import { type Static, Type } from 'typebox'
import { refTo } from '../internal/ref-to.js'
import { LockdownRuleViewSchema } from './lockdown-rule-view.js'

/** The schema of {@link LockdownRuleList}. */
export const LockdownRuleListSchema = Type.Object({
  rules: Type.Array(refTo(LockdownRuleViewSchema)),
})

/** Lockdown rules, oldest first (`GET /v1/lockdowns`). */
export type LockdownRuleList = Static<typeof LockdownRuleListSchema>
