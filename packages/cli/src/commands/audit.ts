import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { AuditEventFilter, KeyServerClient } from '@latch/client'
import type { AuditRow, AuditVerifyReport, CheckpointVerifierKey } from '@latch/server'
import { DEFAULTS } from '@latch/server/defaults'
import { Command } from 'commander'
import { AUDIT_HEADER, auditLine } from '../audit-line.js'
import { keyServerFor } from '../config.js'
import { CliError } from '../errors.js'
import type { Io } from '../io.js'
import { parseTime } from '../parse-expiry.js'
import { policyIdOf } from './policy.js'

interface ListOptions {
  actor?: string
  action?: string
  since?: string
  until?: string
  json?: boolean
}

/**
 * `latch audit [POLICY] [--actor EMAIL] [--action NAME] [--since T] [--until T] [--json]`: the
 * records, oldest first, paged through the key server (admins; a file's owner with POLICY).
 * `latch audit verify`: checks the whole audit chain and its signed checkpoints, through the key
 * server (`LATCH_SERVER`, an admin `LATCH_TOKEN`) or straight from a data directory (`--data`,
 * read-only). Names the first bad record; exit 65 when anything does not verify.
 */
export function auditCommand(io: Io): Command {
  const audit = new Command('audit')
    .description('the audit log: list records (admins; owners: their files), verify, report')
    .argument('[policy]', 'only the records of this policy id or s3://BUCKET/KEY')
    .option('--actor <email>', 'only what this person did')
    .option(
      '--action <name>',
      'an event type (key.release, key.release.denied, policy.revoke, …) or a family (policy.*)',
    )
    .option('--since <time>', 'from this time on: 2h, 7d (ago) or an ISO 8601 time')
    .option('--until <time>', 'before this time: 2h, 7d (ago) or an ISO 8601 time')
    .option('--json', 'JSON Lines: one record per line, as stored')
    // Its options only before `verify`, which has its own (`--json`).
    .enablePositionalOptions()
    .action(async (ref: string | undefined, options: ListOptions) => {
      const client = keyServerFor(io)
      const filter: AuditEventFilter = {
        policy: ref === undefined ? undefined : await policyIdOf(ref, io),
        actor: options.actor,
        type: options.action,
        since:
          options.since === undefined
            ? undefined
            : parseTime(options.since, '--since', 'past').toISOString(),
        until:
          options.until === undefined
            ? undefined
            : parseTime(options.until, '--until', 'past').toISOString(),
      }
      let after = 0
      let shown = 0
      if (options.json !== true) io.stdout.write(`${AUDIT_HEADER}\n`)
      for (;;) {
        const page = await client.auditEvents(filter, after, 1000)
        const lines = page.events.map((e) =>
          options.json === true ? JSON.stringify(e) : auditLine(e),
        )
        if (lines.length > 0) io.stdout.write(`${lines.join('\n')}\n`)
        shown += lines.length
        if (page.next === null) break
        after = page.next
      }
      io.stderr.write(`${shown.toLocaleString('en-US')} record${shown === 1 ? '' : 's'}\n`)
    })
  audit
    .command('verify')
    .description('verify the hash chain and the signed checkpoints; names the first bad record')
    .option('--data <dir>', 'read the SQLite database in this data directory instead of the server')
    .option('--key <vkey>', 'pin the checkpoint key (name+keyid+key, from GET /v1/audit/key)')
    .option('--json', 'one JSON document')
    .action(async (options: { data?: string; key?: string; json?: boolean }) => {
      const { parseVerifierKey } = await import('@latch/server')
      const pinned = options.key === undefined ? undefined : parseVerifierKey(options.key)
      const result =
        options.data === undefined
          ? await verifyThroughServer(keyServerFor(io), pinned)
          : await verifyDataDir(options.data, pinned)
      await print(result, io, options.json === true)
      if (!result.ok) {
        throw new CliError(
          'ERR_CLI_AUDIT_INVALID',
          `the audit log does not verify: ${describe(result.firstBad)}`,
        )
      }
    })
  return audit
}

type Result = AuditVerifyReport & { key: CheckpointVerifierKey; origin: string }

async function verifyDataDir(dir: string, key: CheckpointVerifierKey | undefined): Promise<Result> {
  const { openSqliteStore, verifyStore } = await import('@latch/server')
  const file = join(dir, 'latch.db')
  if (!existsSync(file)) throw new CliError('ERR_CLI_NOT_FOUND', `no Latch database at ${file}`)
  const store = openSqliteStore({
    file,
    readonly: true,
    tailBounds: {
      maxUnsignedRecords: DEFAULTS.maxUnsignedRecords.default,
      maxUnsignedAgeMs: DEFAULTS.maxUnsignedAgeMs.default,
    },
  })
  try {
    return await verifyStore(store, key === undefined ? {} : { key })
  } finally {
    await store.close()
  }
}

async function verifyThroughServer(
  client: KeyServerClient,
  pinned: CheckpointVerifierKey | undefined,
): Promise<Result> {
  const { parseVerifierKey, verifyAuditLog } = await import('@latch/server')
  const published = await client.auditKey()
  const key = pinned ?? parseVerifierKey(published.verifierKey)
  const [head, { checkpoints }] = await Promise.all([client.auditHead(), client.auditCheckpoints()])
  async function* rows(): AsyncIterable<AuditRow> {
    let after = 0
    for (;;) {
      const page = await client.auditRecords(after, 10_000)
      for (const r of page.records) {
        yield {
          seq: r.seq,
          recordBytes: Buffer.from(r.record, 'base64'),
          entryHash: Buffer.from(r.entryHash, 'base64'),
        }
      }
      if (page.next === null) return
      after = page.next
    }
  }
  const report = await verifyAuditLog({
    origin: head.origin,
    rows: rows(),
    notes: checkpoints.map((c) => c.note),
    key,
    headSize: head.size,
  })
  return { ...report, key, origin: head.origin }
}

async function print(result: Result, io: Io, json: boolean): Promise<void> {
  const { formatVerifierKey } = await import('@latch/server')
  if (json) {
    io.stdout.write(
      `${JSON.stringify({
        v: 1,
        ok: result.ok,
        origin: result.origin,
        key: formatVerifierKey(result.key),
        records: result.records,
        checkpoints: result.checkpoints,
        signedSize: result.signedSize,
        unsignedRecords: result.unsignedRecords,
        lastCheckpointTime: result.lastCheckpointTime?.toISOString() ?? null,
        firstBad: result.firstBad ?? null,
        problems: result.problems,
        millis: result.millis,
      })}\n`,
    )
    return
  }
  const n = (x: number) => x.toLocaleString('en-US')
  io.stdout.write(
    `${result.origin}: ${n(result.records)} records, ${n(result.checkpoints)} signed checkpoint${result.checkpoints === 1 ? '' : 's'}, ` +
      `signed through ${n(result.signedSize)}, ${n(result.unsignedRecords)} unsigned ` +
      `(${n(Math.round(result.records / Math.max(result.millis / 1000, 0.001)))} records/s)\n`,
  )
  for (const problem of result.problems) {
    if (problem.kind === 'stale') io.stderr.write(`warning: ${problem.message}\n`)
    else io.stdout.write(`  ${describe(problem)}\n`)
  }
  io.stdout.write(
    result.ok
      ? `OK: every record and checkpoint verifies under ${formatVerifierKey(result.key)}\n`
      : `TAMPERED: first bad ${describe(result.firstBad)}\n`,
  )
}

function describe(problem: AuditVerifyReport['firstBad']): string {
  if (problem === undefined) return 'unknown'
  const where =
    problem.seq !== undefined
      ? `record ${problem.seq}`
      : problem.checkpoint !== undefined
        ? `checkpoint ${problem.checkpoint}`
        : 'log'
  return `${where}: ${problem.kind}: ${problem.message}`
}
