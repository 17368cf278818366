import Database from 'better-sqlite3'

/** One stored object of a submission: where it is and its upload state. Never plaintext. */
export interface UploadRow {
  readonly submissionId: string
  readonly name: 'form' | 'attachment'
  readonly bucket: string
  readonly key: string
  readonly uploadId: string | null
  readonly plan: string
  readonly state: 'planned' | 'stored' | 'aborted'
}

/** A submission: its policy and when it arrived. */
export interface SubmissionRow {
  readonly id: string
  readonly policyId: string
  readonly createdAt: string
}

/**
 * The app's table of submissions, the seed's pattern done right: bucket, key and policy id,
 * nothing the person typed.
 */
export function openSubmissionsDb(file: string) {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.exec(`
    CREATE TABLE IF NOT EXISTS submissions (
      id TEXT PRIMARY KEY, policy_id TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS uploads (
      submission_id TEXT NOT NULL REFERENCES submissions(id), name TEXT NOT NULL,
      bucket TEXT NOT NULL, key TEXT NOT NULL, upload_id TEXT, plan TEXT NOT NULL,
      state TEXT NOT NULL, PRIMARY KEY (submission_id, name));
  `)
  return {
    addSubmission(row: SubmissionRow): void {
      db.prepare('INSERT INTO submissions (id, policy_id, created_at) VALUES (?, ?, ?)').run(
        row.id,
        row.policyId,
        row.createdAt,
      )
    },
    submission(id: string): SubmissionRow | undefined {
      return db
        .prepare(
          'SELECT id, policy_id AS policyId, created_at AS createdAt FROM submissions WHERE id = ?',
        )
        .get(id) as SubmissionRow | undefined
    },
    submissions(): SubmissionRow[] {
      return db
        .prepare(
          'SELECT id, policy_id AS policyId, created_at AS createdAt FROM submissions ORDER BY created_at DESC',
        )
        .all() as SubmissionRow[]
    },
    putUpload(row: UploadRow): void {
      db.prepare(
        `INSERT INTO uploads (submission_id, name, bucket, key, upload_id, plan, state)
         VALUES (@submissionId, @name, @bucket, @key, @uploadId, @plan, @state)`,
      ).run(row)
    },
    upload(submissionId: string, name: string): UploadRow | undefined {
      return db
        .prepare(
          `SELECT submission_id AS submissionId, name, bucket, key, upload_id AS uploadId, plan, state
           FROM uploads WHERE submission_id = ? AND name = ?`,
        )
        .get(submissionId, name) as UploadRow | undefined
    },
    uploads(submissionId: string): UploadRow[] {
      return db
        .prepare(
          `SELECT submission_id AS submissionId, name, bucket, key, upload_id AS uploadId, plan, state
           FROM uploads WHERE submission_id = ? ORDER BY name`,
        )
        .all(submissionId) as UploadRow[]
    },
    setState(submissionId: string, name: string, state: UploadRow['state']): void {
      db.prepare('UPDATE uploads SET state = ? WHERE submission_id = ? AND name = ?').run(
        state,
        submissionId,
        name,
      )
    },
    close(): void {
      db.close()
    },
  }
}

/** The submissions table opened by {@link openSubmissionsDb}. */
export type SubmissionsDb = ReturnType<typeof openSubmissionsDb>
