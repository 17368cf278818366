import { randomBytes } from 'node:crypto'

/**
 * A new lockdown rule id: `ld_` and 20 hex characters (80 random bits). Hex, so that an id never
 * starts with `-` on a command line.
 */
export function lockdownRuleId(): string {
  return `ld_${randomBytes(10).toString('hex')}`
}
