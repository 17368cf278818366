import type { LockdownScope } from './records.js'

/** The columns of a `lockdown_rules` row that hold its scope (besides `scope_kind`). */
export interface LockdownScopeColumns {
  readonly bucket: string | null
  readonly prefix: string | null
  readonly owner: string | null
}

/**
 * A lockdown scope as both stores' `lockdown_rules` columns hold it: the bucket and prefix of a
 * bucket scope, the owner of an owner scope, `NULL` in the others (the schema's checks refuse any
 * other combination). `lockdownOfRow` reads them back.
 */
export function lockdownScopeColumns(scope: LockdownScope): LockdownScopeColumns {
  return {
    bucket: scope.kind === 'bucket' ? scope.bucket : null,
    prefix: scope.kind === 'bucket' ? scope.prefix : null,
    owner: scope.kind === 'owner' ? scope.owner : null,
  }
}
