import { AUDIT_TIME_TOLERANCE_MS } from '@latch/audit'

/**
 * The PostgreSQL schema, as ordered migrations. `migratePostgres` runs the missing ones in one
 * transaction under an exclusive advisory lock and records each in `schema_migrations`. Never
 * edit a shipped migration: add the next one.
 *
 * Times are `timestamptz` truncated to milliseconds (what a JavaScript `Date` and the SQLite
 * store hold); audit records carry their time as text inside their canonical bytes.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (name text PRIMARY KEY, value text NOT NULL);
  CREATE TABLE server_keys (
    kid text PRIMARY KEY,
    use text NOT NULL CHECK (use IN ('wrap', 'checkpoint')),
    public_key bytea NOT NULL,
    sealed_private_key bytea NOT NULL,
    created_at timestamptz NOT NULL,
    n bigserial NOT NULL UNIQUE
  );
  CREATE TABLE users (
    email text PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('admin', 'user')),
    may_assign_owner boolean NOT NULL,
    disabled_at timestamptz,
    created_at timestamptz NOT NULL
  );
  CREATE TABLE tokens (
    id text PRIMARY KEY,
    email text NOT NULL REFERENCES users (email),
    hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
  );
  CREATE INDEX tokens_by_email ON tokens (email);
  CREATE TABLE policies (
    id text PRIMARY KEY,
    owner text NOT NULL,
    readers text NOT NULL,
    expires_at timestamptz,
    labels text NOT NULL,
    revoked_by text,
    revoked_at timestamptz,
    revoked_reason text,
    version integer NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL
  );
  CREATE INDEX policies_by_owner ON policies (owner);
  CREATE TABLE policy_objects (
    policy_id text NOT NULL REFERENCES policies (id),
    object_id text NOT NULL,
    core_hash text NOT NULL,
    bucket text,
    key text,
    registered_at timestamptz NOT NULL,
    n bigserial NOT NULL,
    PRIMARY KEY (policy_id, object_id)
  );
  CREATE INDEX policy_objects_by_location ON policy_objects (bucket, key text_pattern_ops);
  CREATE TABLE lockdown_rules (
    id text PRIMARY KEY,
    n bigserial NOT NULL UNIQUE,
    scope_kind text NOT NULL CHECK (scope_kind IN ('all', 'bucket', 'owner')),
    bucket text,
    prefix text,
    owner text,
    reason text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    lifted_by text,
    lifted_at timestamptz,
    lifted_reason text,
    CHECK ((scope_kind = 'bucket') = (bucket IS NOT NULL AND prefix IS NOT NULL)),
    CHECK ((scope_kind = 'owner') = (owner IS NOT NULL))
  );
  CREATE INDEX lockdown_rules_active ON lockdown_rules (n) WHERE lifted_at IS NULL;
  -- policy_id, actor, type and time are an index for queries, derived from each record when it
  -- is appended; the verifier reads only seq, record and entry_hash.
  CREATE TABLE audit_log (
    seq bigint PRIMARY KEY,
    record bytea NOT NULL,
    entry_hash bytea NOT NULL,
    policy_id text,
    actor text,
    type text NOT NULL,
    time timestamptz NOT NULL
  );
  CREATE INDEX audit_log_by_policy ON audit_log (policy_id, seq) WHERE policy_id IS NOT NULL;
  CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);
  CREATE INDEX audit_log_by_type ON audit_log (type text_pattern_ops, seq);
  CREATE INDEX audit_log_by_time ON audit_log (time);
  CREATE TABLE audit_head (
    id integer PRIMARY KEY CHECK (id = 1),
    size bigint NOT NULL,
    head_hash bytea NOT NULL,
    signed_size bigint NOT NULL,
    signed_at timestamptz,
    first_unsigned_at timestamptz
  );
  CREATE TABLE checkpoints (
    n bigserial PRIMARY KEY,
    size bigint NOT NULL,
    note text NOT NULL,
    signed_at timestamptz NOT NULL
  );
  -- Appends one record: its canonical JSON bytes arrive in three parts around the values of its
  -- "seq" and "time" members, which are only known here, under the head lock. Hashing here, not
  -- in the instance, keeps the lock for the statement and the commit only, not for round trips.
  -- h_seq = SHA-256(0x02 || h_{seq-1} || be64(seq) || SHA-256(0x00 || record)).
  CREATE FUNCTION latch_append(
    p_head bytea, p_middle bytea, p_tail bytea, p_time text,
    p_policy_id text, p_actor text, p_type text, p_max_unsigned bigint, p_max_age_ms bigint
  ) RETURNS bigint LANGUAGE plpgsql AS $$
  DECLARE
    h audit_head%ROWTYPE;
    v_seq bigint;
    v_time text := coalesce(p_time,
      to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    v_record bytea;
    v_entry bytea;
  BEGIN
    SELECT * INTO h FROM audit_head WHERE id = 1 FOR UPDATE;
    IF h.size - h.signed_size >= p_max_unsigned OR (h.first_unsigned_at IS NOT NULL
        AND v_time::timestamptz - h.first_unsigned_at > p_max_age_ms * interval '1 millisecond') THEN
      RAISE EXCEPTION 'the unsigned audit tail is past its bound' USING ERRCODE = 'LT001';
    END IF;
    v_seq := h.size + 1;
    v_record := p_head || convert_to(v_seq::text, 'UTF8') || p_middle || convert_to(v_time, 'UTF8')
      || p_tail;
    v_entry := sha256('\\x02'::bytea || h.head_hash || int8send(v_seq)
      || sha256('\\x00'::bytea || v_record));
    INSERT INTO audit_log (seq, record, entry_hash, policy_id, actor, type, time)
      VALUES (v_seq, v_record, v_entry, p_policy_id, p_actor, p_type, v_time::timestamptz);
    UPDATE audit_head SET size = v_seq, head_hash = v_entry,
      first_unsigned_at = coalesce(first_unsigned_at, v_time::timestamptz) WHERE id = 1;
    RETURN v_seq;
  END
  $$;
  -- Append-only: the application never updates, deletes or truncates audit rows or checkpoints.
  CREATE FUNCTION latch_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
  END
  $$;
  CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION latch_append_only();
  CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION latch_append_only();
  CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION latch_append_only();
  CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION latch_append_only();
  `,
  // Identities: who minted each API token, and the one OIDC account (issuer, subject)
  // a built-in user may be linked to. A token minted before this migration takes its minter from
  // the first user.create or token.create record that names its id; without one it stays NULL
  // (unknown). json, not jsonb: only the two members read are converted to text.
  `
  ALTER TABLE tokens ADD COLUMN minted_by text;
  UPDATE tokens t SET minted_by = minted.actor FROM (
    SELECT DISTINCT ON (token_id) token_id, actor FROM (
      SELECT seq, convert_from(record, 'UTF8')::json ->> 'token_id' AS token_id,
        convert_from(record, 'UTF8')::json -> 'actor' ->> 'email' AS actor
      FROM audit_log WHERE type IN ('user.create', 'token.create')
    ) AS created
    WHERE token_id IS NOT NULL
    ORDER BY token_id, seq
  ) AS minted WHERE minted.token_id = t.id;
  ALTER TABLE users ADD COLUMN oidc_issuer text, ADD COLUMN oidc_subject text,
    ADD CONSTRAINT users_oidc_pair CHECK ((oidc_issuer IS NULL) = (oidc_subject IS NULL));
  CREATE UNIQUE INDEX users_by_oidc ON users (oidc_issuer, oidc_subject)
    WHERE oidc_subject IS NOT NULL;
  `,
  // Every location an object was ever registered at stays: a bucket lockdown covers a
  // policy while any of them is in its scope, so re-registering an object elsewhere cannot move
  // the policy out of a lockdown. One row per (policy, object, location); a missing bucket or key
  // is the same location as another missing one (NULLS NOT DISTINCT, PostgreSQL 15).
  `
  ALTER TABLE policy_objects DROP CONSTRAINT policy_objects_pkey;
  ALTER TABLE policy_objects ADD PRIMARY KEY (n);
  CREATE UNIQUE INDEX policy_objects_by_policy ON policy_objects (policy_id, object_id, bucket, key)
    NULLS NOT DISTINCT;
  `,
  // A record timed before its append (a key-release decision is timed when it is judged, before
  // it waits for the chain head) is refused when that was more than AUDIT_TIME_TOLERANCE_MS ago:
  // checkpoints are timed by the same clock under the same lock, so every record is
  // timed at most that long before the checkpoint that precedes it, which a report's window
  // bounds rely on. Unchanged otherwise. The tolerance is written here: changing it takes a new
  // migration.
  `
  CREATE OR REPLACE FUNCTION latch_append(
    p_head bytea, p_middle bytea, p_tail bytea, p_time text,
    p_policy_id text, p_actor text, p_type text, p_max_unsigned bigint, p_max_age_ms bigint
  ) RETURNS bigint LANGUAGE plpgsql AS $$
  DECLARE
    h audit_head%ROWTYPE;
    v_seq bigint;
    v_time text := coalesce(p_time,
      to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    v_record bytea;
    v_entry bytea;
  BEGIN
    SELECT * INTO h FROM audit_head WHERE id = 1 FOR UPDATE;
    -- Under the head lock: a checkpoint stored before this record was timed no later than now.
    IF v_time::timestamptz < clock_timestamp()
        - ${AUDIT_TIME_TOLERANCE_MS} * interval '1 millisecond' THEN
      RAISE EXCEPTION 'the audit record is timed too long before its append' USING ERRCODE = 'LT002';
    END IF;
    IF h.size - h.signed_size >= p_max_unsigned OR (h.first_unsigned_at IS NOT NULL
        AND v_time::timestamptz - h.first_unsigned_at > p_max_age_ms * interval '1 millisecond') THEN
      RAISE EXCEPTION 'the unsigned audit tail is past its bound' USING ERRCODE = 'LT001';
    END IF;
    v_seq := h.size + 1;
    v_record := p_head || convert_to(v_seq::text, 'UTF8') || p_middle || convert_to(v_time, 'UTF8')
      || p_tail;
    v_entry := sha256('\\x02'::bytea || h.head_hash || int8send(v_seq)
      || sha256('\\x00'::bytea || v_record));
    INSERT INTO audit_log (seq, record, entry_hash, policy_id, actor, type, time)
      VALUES (v_seq, v_record, v_entry, p_policy_id, p_actor, p_type, v_time::timestamptz);
    UPDATE audit_head SET size = v_seq, head_hash = v_entry,
      first_unsigned_at = coalesce(first_unsigned_at, v_time::timestamptz) WHERE id = 1;
    RETURN v_seq;
  END
  $$;
  `,
  // Lists of policies for a console: newest first, per owner or reader. `policy_readers` holds
  // one row per reader entry of each policy, kept by triggers from `policies.readers` (the JSON
  // array decisions read), so that the policies an email may read are found through an index
  // whoever writes the row. Ids order under "C", as SQLite orders them (byte by byte).
  `
  CREATE TABLE policy_readers (
    reader text NOT NULL,
    policy_id text NOT NULL REFERENCES policies (id),
    PRIMARY KEY (reader, policy_id)
  );
  CREATE INDEX policy_readers_by_policy ON policy_readers (policy_id);
  INSERT INTO policy_readers
    SELECT DISTINCT r, p.id FROM policies p, json_array_elements_text(p.readers::json) r;
  CREATE FUNCTION latch_policy_readers() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'UPDATE' THEN
      DELETE FROM policy_readers WHERE policy_id = NEW.id;
    END IF;
    INSERT INTO policy_readers
      SELECT DISTINCT r, NEW.id FROM json_array_elements_text(NEW.readers::json) r;
    RETURN NULL;
  END
  $$;
  CREATE TRIGGER policy_readers_on_insert AFTER INSERT ON policies
    FOR EACH ROW EXECUTE FUNCTION latch_policy_readers();
  CREATE TRIGGER policy_readers_on_update AFTER UPDATE OF readers ON policies
    FOR EACH ROW WHEN (OLD.readers IS DISTINCT FROM NEW.readers)
    EXECUTE FUNCTION latch_policy_readers();
  DROP INDEX policies_by_owner;
  CREATE INDEX policies_by_owner ON policies (owner, created_at, id COLLATE "C");
  CREATE INDEX policies_by_creation ON policies (created_at, id COLLATE "C");
  `,
  // Each reader entry with its policy's creation time, so that the policies an email reads are
  // walked newest first through an index and a page costs about its size, however many policies
  // the email reads (a sort of all of them before). The trigger writes the time too.
  `
  ALTER TABLE policy_readers ADD COLUMN created_at timestamptz;
  UPDATE policy_readers r SET created_at = p.created_at FROM policies p WHERE p.id = r.policy_id;
  ALTER TABLE policy_readers ALTER COLUMN created_at SET NOT NULL;
  CREATE INDEX policy_readers_newest ON policy_readers (reader, created_at, policy_id COLLATE "C");
  CREATE OR REPLACE FUNCTION latch_policy_readers() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'UPDATE' THEN
      DELETE FROM policy_readers WHERE policy_id = NEW.id;
    END IF;
    INSERT INTO policy_readers (reader, policy_id, created_at)
      SELECT DISTINCT r, NEW.id, NEW.created_at FROM json_array_elements_text(NEW.readers::json) r;
    RETURN NULL;
  END
  $$;
  `,
]
