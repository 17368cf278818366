import type { LockdownScope } from '../records.js'

/**
 * The PostgreSQL statement of `measureLockdown`: how many policies a scope covers now, and how
 * many registered locations of their objects (for a bucket scope, those inside it). A prefix
 * compares with `starts_with`, not `LIKE`: `%` and `_` are literal.
 *
 * @returns the SQL, whose one row has `policies` and `objects`, and its values.
 */
export function lockdownReachQuery(scope: LockdownScope): {
  readonly text: string
  readonly values: unknown[]
} {
  switch (scope.kind) {
    case 'all':
      return {
        text: `SELECT (SELECT count(*) FROM policies) AS policies,
                 (SELECT count(*) FROM policy_objects) AS objects`,
        values: [],
      }
    case 'owner':
      return {
        text: `SELECT count(DISTINCT p.id) AS policies, count(o.object_id) AS objects
               FROM policies p LEFT JOIN policy_objects o ON o.policy_id = p.id
               WHERE p.owner = $1`,
        values: [scope.owner],
      }
    case 'bucket':
      return {
        text: `SELECT count(DISTINCT policy_id) AS policies, count(*) AS objects
               FROM policy_objects WHERE bucket = $1 AND starts_with(key, $2)`,
        values: [scope.bucket, scope.prefix],
      }
  }
}
