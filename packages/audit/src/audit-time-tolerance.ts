/**
 * How long before the checkpoint that precedes it in the chain an audit record may be timed, in
 * milliseconds. A record is timed when its transaction reads the database clock (a key-release
 * decision: when it was judged) and chained a moment later, under the chain-head lock, where a
 * checkpoint may have been signed in between. The stores keep that moment short: on PostgreSQL
 * `latch_append` refuses (503, nothing released) a record timed more than this before the
 * database clock at its append, and checkpoints take their time from that clock under the same
 * lock, never earlier than a record they cover. So every record timed before `t` precedes the
 * first checkpoint timed at or after `t + AUDIT_TIME_TOLERANCE_MS`, which is what bounds a
 * per-file report's window (`build-file-report.ts`); the verifier names a record that breaks
 * it (`record-time`).
 *
 * Written into a PostgreSQL migration of the key server (`store/postgres/schema.ts`): changing
 * it takes a new one.
 */
export const AUDIT_TIME_TOLERANCE_MS = 5_000
