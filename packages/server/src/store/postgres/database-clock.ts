/**
 * The PostgreSQL clock in SQL, at millisecond precision: what a `Date` holds and the SQLite store
 * writes. `clock_timestamp()`, not `now()`: the time when the statement runs, not when its
 * transaction began (a decision may wait for its locks).
 */
export const DATABASE_CLOCK = {
  /** As a `timestamptz`. */
  timestamp: `date_trunc('milliseconds', clock_timestamp())`,
  /** As the ISO 8601 text of audit records, `YYYY-MM-DDTHH:MM:SS.sssZ`. */
  text: `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
} as const
