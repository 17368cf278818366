/**
 * The advisory lock keys of the PostgreSQL store (one 64-bit space per database): "LATC" and a
 * number. Every instance on the database takes the same ones.
 */
export const ADVISORY_LOCKS = {
  /** Held while migrating on open: the first instance migrates, the others wait and find it done. */
  migration: 0x4c415443_0001n,
  /** Held during first-start work (`withStartupLock`). */
  startup: 0x4c415443_0002n,
  /** The checkpoint-signer lease, a session lock on a connection of its own. */
  checkpointLease: 0x4c415443_0003n,
  /**
   * Decisions hold it shared, lockdown rule changes exclusively. A new rule is a new row, which no
   * row lock of a decision conflicts with: without this lock a decision could read the rules
   * before a lockdown commits, and commit a release after the lockdown was acknowledged.
   */
  rules: 0x4c415443_0004n,
  /**
   * The first key of a policy's lock (the second is a hash of its id: see `beginLocked`):
   * decisions hold it shared, changes of the policy exclusively.
   */
  policies: 0x4c41_5450,
} as const
