import { Type } from 'typebox'

/** A lockdown rule id: `ld_` and 20 hexadecimal digits. */
export const LockdownRuleIdSchema = Type.String({ pattern: '^ld_[0-9a-f]{20}$' })
