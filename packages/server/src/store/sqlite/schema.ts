/**
 * The SQLite schema, as ordered migrations. Each runs once, in a transaction, and bumps
 * `PRAGMA user_version`. Never edit a shipped migration: add the next one.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE server_keys (
    kid TEXT PRIMARY KEY,
    use TEXT NOT NULL CHECK (use IN ('wrap', 'checkpoint')),
    public_key BLOB NOT NULL,
    sealed_private_key BLOB NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE users (
    email TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
    may_assign_owner INTEGER NOT NULL,
    disabled_at TEXT,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL REFERENCES users (email),
    hash BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  ) STRICT;
  CREATE INDEX tokens_by_email ON tokens (email);
  CREATE TABLE policies (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    readers TEXT NOT NULL,
    expires_at TEXT,
    labels TEXT NOT NULL,
    revoked_by TEXT,
    revoked_at TEXT,
    revoked_reason TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
  ) STRICT;
  CREATE INDEX policies_by_owner ON policies (owner);
  CREATE TABLE policy_objects (
    policy_id TEXT NOT NULL REFERENCES policies (id),
    object_id TEXT NOT NULL,
    core_hash TEXT NOT NULL,
    bucket TEXT,
    key TEXT,
    registered_at TEXT NOT NULL,
    PRIMARY KEY (policy_id, object_id)
  ) STRICT;
  CREATE INDEX policy_objects_by_location ON policy_objects (bucket, key);
  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    record BLOB NOT NULL,
    entry_hash BLOB NOT NULL
  ) STRICT;
  CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    head_hash BLOB NOT NULL,
    signed_size INTEGER NOT NULL,
    signed_at TEXT,
    first_unsigned_at TEXT
  ) STRICT;
  CREATE TABLE checkpoints (
    size INTEGER NOT NULL,
    note TEXT NOT NULL,
    signed_at TEXT NOT NULL
  ) STRICT;
  -- Append-only: the application never updates or deletes audit rows or checkpoints.
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
  CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
  `,
  `
  CREATE TABLE lockdown_rules (
    id TEXT PRIMARY KEY,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('all', 'bucket', 'owner')),
    bucket TEXT,
    prefix TEXT,
    owner TEXT,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    lifted_by TEXT,
    lifted_at TEXT,
    lifted_reason TEXT,
    CHECK ((scope_kind = 'bucket') = (bucket IS NOT NULL AND prefix IS NOT NULL)),
    CHECK ((scope_kind = 'owner') = (owner IS NOT NULL))
  ) STRICT;
  CREATE INDEX lockdown_rules_active ON lockdown_rules (created_at) WHERE lifted_at IS NULL;
  -- Columns read out of each record when it is appended, to list records by policy, actor, type
  -- or time. An index only: the verifier and the reports read the records themselves.
  CREATE TABLE audit_index (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    actor TEXT,
    policy_id TEXT,
    time TEXT NOT NULL
  ) STRICT;
  INSERT INTO audit_index
    SELECT seq, json_extract(CAST(record AS TEXT), '$.type'),
      json_extract(CAST(record AS TEXT), '$.actor.email'),
      json_extract(CAST(record AS TEXT), '$.policy_id'),
      json_extract(CAST(record AS TEXT), '$.time')
    FROM audit_log;
  CREATE INDEX audit_index_by_policy ON audit_index (policy_id, seq) WHERE policy_id IS NOT NULL;
  CREATE INDEX audit_index_by_actor ON audit_index (actor, seq);
  CREATE INDEX audit_index_by_time ON audit_index (time);
  `,
  // Identities: who minted each API token, and the one OIDC account (issuer, subject)
  // a built-in user may be linked to. A token minted before this migration takes its minter from
  // the first user.create or token.create record that names its id; without one it stays NULL
  // (unknown).
  `
  ALTER TABLE tokens ADD COLUMN minted_by TEXT;
  -- min(seq) makes SQLite take actor from the first record that names the token.
  UPDATE tokens SET minted_by = minted.actor FROM (
    SELECT json_extract(CAST(a.record AS TEXT), '$.token_id') AS token_id,
      json_extract(CAST(a.record AS TEXT), '$.actor.email') AS actor, min(a.seq)
    FROM audit_index i JOIN audit_log a USING (seq)
    WHERE i.type IN ('user.create', 'token.create')
    GROUP BY 1
  ) AS minted WHERE minted.token_id = tokens.id;
  ALTER TABLE users ADD COLUMN oidc_issuer TEXT;
  ALTER TABLE users ADD COLUMN oidc_subject TEXT
    CHECK ((oidc_issuer IS NULL) = (oidc_subject IS NULL));
  CREATE UNIQUE INDEX users_by_oidc ON users (oidc_issuer, oidc_subject)
    WHERE oidc_subject IS NOT NULL;
  `,
  // Every location an object was ever registered at stays: a bucket lockdown covers a
  // policy while any of them is in its scope, so re-registering an object elsewhere cannot move
  // the policy out of a lockdown. One row per (policy, object, location).
  `
  CREATE TABLE policy_objects_by_location_rebuild (
    policy_id TEXT NOT NULL REFERENCES policies (id),
    object_id TEXT NOT NULL,
    core_hash TEXT NOT NULL,
    bucket TEXT,
    key TEXT,
    registered_at TEXT NOT NULL
  ) STRICT;
  INSERT INTO policy_objects_by_location_rebuild
    SELECT policy_id, object_id, core_hash, bucket, key, registered_at FROM policy_objects
    ORDER BY registered_at, object_id;
  DROP TABLE policy_objects;
  ALTER TABLE policy_objects_by_location_rebuild RENAME TO policy_objects;
  -- A missing bucket or key indexes as an empty blob, which equals no text: two missing parts
  -- are the same location, and a missing part is never the same as any text.
  CREATE UNIQUE INDEX policy_objects_by_policy ON policy_objects
    (policy_id, object_id, ifnull(bucket, x''), ifnull(key, x''));
  CREATE INDEX policy_objects_by_location ON policy_objects (bucket, key);
  `,
  // Lists of policies for a console: newest first, per owner or reader, and the latest records
  // of a type. `policy_readers` holds one row per reader entry of each policy, kept by triggers
  // from `policies.readers` (the JSON array decisions read), so that the policies an email may
  // read are found through an index whoever writes the row.
  `
  CREATE TABLE policy_readers (
    reader TEXT NOT NULL,
    policy_id TEXT NOT NULL REFERENCES policies (id),
    PRIMARY KEY (reader, policy_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX policy_readers_by_policy ON policy_readers (policy_id);
  INSERT OR IGNORE INTO policy_readers SELECT j.value, p.id FROM policies p, json_each(p.readers) j;
  CREATE TRIGGER policy_readers_on_insert AFTER INSERT ON policies BEGIN
    INSERT OR IGNORE INTO policy_readers SELECT value, NEW.id FROM json_each(NEW.readers);
  END;
  CREATE TRIGGER policy_readers_on_update AFTER UPDATE OF readers ON policies
    WHEN OLD.readers IS NOT NEW.readers BEGIN
    DELETE FROM policy_readers WHERE policy_id = NEW.id;
    INSERT OR IGNORE INTO policy_readers SELECT value, NEW.id FROM json_each(NEW.readers);
  END;
  DROP INDEX policies_by_owner;
  CREATE INDEX policies_by_owner ON policies (owner, created_at, id);
  CREATE INDEX policies_by_creation ON policies (created_at, id);
  CREATE INDEX audit_index_by_type ON audit_index (type, seq);
  `,
  // Each reader entry with its policy's creation time, so that the policies an email reads are
  // walked newest first through an index and a page costs about its size, however many policies
  // the email reads (a sort of all of them before). The triggers write the time too.
  `
  ALTER TABLE policy_readers ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
  UPDATE policy_readers
    SET created_at = (SELECT p.created_at FROM policies p WHERE p.id = policy_readers.policy_id);
  CREATE INDEX policy_readers_newest ON policy_readers (reader, created_at, policy_id);
  DROP TRIGGER policy_readers_on_insert;
  DROP TRIGGER policy_readers_on_update;
  CREATE TRIGGER policy_readers_on_insert AFTER INSERT ON policies BEGIN
    INSERT OR IGNORE INTO policy_readers (reader, policy_id, created_at)
      SELECT value, NEW.id, NEW.created_at FROM json_each(NEW.readers);
  END;
  CREATE TRIGGER policy_readers_on_update AFTER UPDATE OF readers ON policies
    WHEN OLD.readers IS NOT NEW.readers BEGIN
    DELETE FROM policy_readers WHERE policy_id = NEW.id;
    INSERT OR IGNORE INTO policy_readers (reader, policy_id, created_at)
      SELECT value, NEW.id, NEW.created_at FROM json_each(NEW.readers);
  END;
  `,
]
