import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Writable } from 'node:stream'
import type { AuditEventFilter, AuditEventView, KeyServerClient } from '@latch/client'
import type { AuditVerifyReport, CheckpointVerifierKey, FileReport, Store } from '@latch/server'
import { DEFAULTS } from '@latch/server/defaults'
import { Command } from 'commander'
import { anchorProblem } from '../anchor-problem.js'
import { AUDIT_HEADER, auditLine } from '../audit-line.js'
import { keyServerFor } from '../config.js'
import { CliError } from '../errors.js'
import type { Io } from '../io.js'
import { parseTime } from '../parse-expiry.js'
import { printable } from '../printable.js'
import { serverAuditRows } from '../server-audit-rows.js'
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
 * server (`LATCH_SERVER`, an admin `LATCH_TOKEN`), straight from a data directory (`--data`,
 * read-only) or from a PostgreSQL database (`--database`). Names the first bad record; exit 65
 * when anything does not verify.
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
    .option('--database <url>', 'read this PostgreSQL database instead of the server')
    .option('--file <export>', 'verify an export (latch audit export) offline; needs --key')
    .option('--key <vkey>', 'pin the checkpoint key (name+keyid+key, from GET /v1/audit/key)')
    .option(
      '--anchor <file>',
      'a checkpoint note kept outside the database: fail unless the log holds it (a database restored from an older backup does not)',
    )
    .option('--json', 'one JSON document')
    .action(
      async (options: {
        data?: string
        database?: string
        file?: string
        key?: string
        anchor?: string
        json?: boolean
      }) => {
        const { parseVerifierKey } = await import('@latch/server')
        const sources = [options.data, options.database, options.file].filter(
          (o) => o !== undefined,
        )
        if (sources.length > 1) {
          throw new CliError('ERR_CLI_USAGE', 'give one of --data, --database and --file')
        }
        const pinned = options.key === undefined ? undefined : parseVerifierKey(options.key)
        let result: Result
        if (options.file !== undefined) {
          if (pinned === undefined) {
            throw new CliError(
              'ERR_CLI_USAGE',
              '--file needs --key: the checkpoint key you trust (the server publishes it at GET /v1/audit/key)',
            )
          }
          result = await verifyExport(options.file, pinned)
        } else if (options.data !== undefined) {
          result = await verifyDataDir(options.data, pinned)
        } else if (options.database !== undefined) {
          result = await verifyDatabase(options.database, pinned)
        } else {
          result = await verifyThroughServer(keyServerFor(io), pinned)
        }
        if (options.anchor !== undefined) {
          if (!existsSync(options.anchor)) {
            throw new CliError('ERR_CLI_NOT_FOUND', `no file ${options.anchor}`)
          }
          const problem = await anchorProblem(readFileSync(options.anchor, 'utf8'), result)
          if (problem !== undefined) {
            result = {
              ...result,
              ok: false,
              firstBad: result.firstBad ?? problem,
              problems: [...result.problems, problem],
            }
          }
        }
        await print(result, io, options.json === true)
        if (!result.ok) {
          throw new CliError(
            'ERR_CLI_AUDIT_INVALID',
            `the audit log does not verify: ${describe(result.firstBad)}`,
          )
        }
      },
    )
  audit
    .command('export')
    .description(
      'write the whole log and its signed checkpoints to a file anyone can verify offline with latch audit verify --file --key (admin)',
    )
    .option('-o, --output <file>', 'the export file, or - for stdout', '-')
    .action(async (options: { output: string }) => {
      const summary = await exportLog(keyServerFor(io), options.output, io)
      const n = (x: number) => x.toLocaleString('en-US')
      io.stderr.write(
        `exported ${n(summary.records)} records and ${n(summary.checkpoints)} checkpoints (${n(summary.bytes)} bytes)${options.output === '-' ? '' : ` to ${options.output}`}; verify with: latch audit verify --file ${options.output === '-' ? 'FILE' : options.output} --key '${printable(summary.verifierKey)}'\n`,
      )
    })
  audit
    .command('report')
    .description(
      "the document that shows who obtained a file's key in a window: the chain verified between two signed checkpoints around it, every key request and policy change (admin)",
    )
    .argument('<policy>', 'a policy id or s3://BUCKET/KEY')
    .option(
      '--since <time>',
      'start of the window: 2h, 7d (ago) or an ISO 8601 time (default: the start of the log)',
    )
    .option('--until <time>', 'end of the window (default: now)')
    .option('--key <vkey>', 'pin the checkpoint key (name+keyid+key, from GET /v1/audit/key)')
    .option('--json', 'one JSON document')
    .action(
      async (
        ref: string,
        options: { since?: string; until?: string; key?: string; json?: boolean },
      ) => {
        const report = await fileReport(keyServerFor(io), await policyIdOf(ref, io), options, io)
        const { formatVerifierKey } = await import('@latch/server')
        printReport(report, formatVerifierKey(report.key), io, options.json === true)
        if (!report.verification.ok) {
          throw new CliError(
            'ERR_CLI_AUDIT_INVALID',
            `the audit log does not verify over the window: ${describe(report.verification.firstBad)}`,
          )
        }
      },
    )
  return audit
}

async function fileReport(
  client: KeyServerClient,
  policyId: string,
  options: { since?: string; until?: string; key?: string },
  io: Io,
): Promise<FileReport & { key: CheckpointVerifierKey }> {
  const { AUDIT_TIME_TOLERANCE_MS, buildFileReport, parseVerifierKey } = await import(
    '@latch/server'
  )
  const now = Date.now()
  const since =
    options.since === undefined ? new Date(0) : parseTime(options.since, '--since', 'past', now)
  const until =
    options.until === undefined ? new Date(now) : parseTime(options.until, '--until', 'past', now)
  if (until.getTime() > now) throw new CliError('ERR_CLI_USAGE', '--until is in the future')
  if (until.getTime() <= since.getTime())
    throw new CliError('ERR_CLI_USAGE', '--until must be after --since')
  const published = await client.auditKey()
  const key =
    options.key === undefined
      ? parseVerifierKey(published.verifierKey)
      : parseVerifierKey(options.key)
  let { checkpoints } = await client.auditCheckpoints()
  // The window ends at the first checkpoint timed AUDIT_TIME_TOLERANCE_MS after `until` (a record
  // timed before `until` may be chained up to that much later). Checkpoints are timed by the
  // database's clock, not this machine's: when none is late enough yet, wait until this clock
  // says one would be and have the server sign one, and go on waiting while the server's clock
  // lags behind this one.
  const boundary = until.getTime() + AUDIT_TIME_TOLERANCE_MS
  const covered = () => checkpoints.some((c) => Date.parse(c.signedAt) >= boundary)
  for (let attempt = 0; !covered() && attempt < 5; attempt++) {
    const wait = Math.max(boundary - Date.now(), attempt === 0 ? 0 : 1000)
    if (wait > 0) {
      io.stderr.write(`signing a checkpoint after the window (in ${Math.ceil(wait / 1000)} s)…\n`)
      await new Promise((resolve) => setTimeout(resolve, wait + 10))
    }
    await client.signCheckpoint()
    ;({ checkpoints } = await client.auditCheckpoints())
  }
  try {
    const report = await buildFileReport({
      policyId,
      since,
      until,
      origin: published.origin,
      key,
      notes: checkpoints.map((c) => c.note),
      rows: (after, upTo) => serverAuditRows(client, after, upTo),
    })
    return { ...report, key }
  } catch (error) {
    if (error instanceof RangeError) throw new CliError('ERR_CLI_USAGE', error.message)
    throw error
  }
}

function printReport(
  report: FileReport & { key: CheckpointVerifierKey },
  verifierKey: string,
  io: Io,
  json: boolean,
): void {
  const v = report.verification
  if (json) {
    io.stdout.write(
      `${JSON.stringify({
        v: 1,
        policyId: report.policyId,
        key: verifierKey,
        since: report.since.toISOString(),
        until: report.until.toISOString(),
        chain: {
          ok: v.ok,
          from: { size: report.from.size, signedAt: report.from.time?.toISOString() ?? null },
          to: { size: report.to.size, signedAt: report.to.time?.toISOString() ?? null },
          records: v.records,
          checkpoints: v.checkpoints,
          problems: v.problems,
        },
        releases: report.releases,
        releasedTo: report.releasedTo,
        foreignTokenReleases: report.foreignTokenReleases,
        denials: report.denials,
        denialReasons: report.denialReasons,
        policyChanges: report.policyChanges,
        events: report.events,
      })}\n`,
    )
    return
  }
  const n = (x: number) => x.toLocaleString('en-US')
  const bound = (b: FileReport['from']) =>
    b.time === undefined
      ? 'the start of the log'
      : `the checkpoint of ${n(b.size)} records signed ${b.time.toISOString()}`
  const out = [
    `Audit report for policy ${report.policyId}`,
    `Window: ${report.since.getTime() === 0 ? 'the start of the log' : report.since.toISOString()} to ${report.until.toISOString()}`,
    `Chain: ${v.ok ? 'verified' : 'DOES NOT VERIFY'} from ${bound(report.from)} to ${bound(report.to)}: ` +
      `records ${n(report.from.size + 1)}–${n(report.to.size)} (${n(v.records)}), signatures checked under ${printable(verifierKey)}`,
    '',
    AUDIT_HEADER,
    ...report.events.map((e) => auditLine(e as unknown as AuditEventView)),
    '',
    `Key releases: ${n(report.releases)}${
      Object.keys(report.releasedTo).length === 0
        ? ''
        : ` (${Object.entries(report.releasedTo)
            .map(([who, k]) => `${printable(who)} ${k}`)
            .join(', ')})`
    }`,
    ...report.foreignTokenReleases.map(
      (f) =>
        `  ${n(f.releases)} of ${printable(f.recipient)}'s releases used a token minted by ${minterText(f.mintedBy)}, who may have used it`,
    ),
    `Denied requests: ${n(report.denials)}${
      Object.keys(report.denialReasons).length === 0
        ? ''
        : ` (${Object.entries(report.denialReasons)
            .map(([why, k]) => `${printable(why)} ${k}`)
            .join(', ')})`
    }`,
    `Policy changes: ${n(report.policyChanges)}`,
  ]
  for (const problem of v.problems) out.push(`  ${describe(problem)}`)
  const foreign = report.foreignTokenReleases.reduce((sum, f) => sum + f.releases, 0)
  const released = `the key of this file was released ${n(report.releases)} time${report.releases === 1 ? '' : 's'} in the window`
  out.push(
    !v.ok
      ? `TAMPERED: the log does not verify over the window; this report proves nothing (${describe(v.firstBad)})`
      : report.releases === 0
        ? 'Conclusion: nobody obtained the key of this file in the window.'
        : foreign === 0
          ? `Conclusion: ${released}.`
          : // Never name only the recipients: whoever minted their token may have obtained it too.
            `Conclusion: ${released}; ${foreign === report.releases ? (foreign === 1 ? 'it' : 'each') : `${n(foreign)} of them`} used a token minted by someone other than its holder, so the recipients above may not be the only ones who obtained the key.`,
  )
  io.stdout.write(`${out.join('\n')}\n`)
}

/** The minter of a token as the report names it. */
function minterText(mintedBy: string): string {
  if (mintedBy === 'unknown') return 'someone unknown (minted before minters were recorded)'
  if (mintedBy === 'system') return 'system (the first admin token, admin.token on the server)'
  return printable(mintedBy)
}

type Result = AuditVerifyReport & {
  key: CheckpointVerifierKey
  origin: string
  /** The log's checkpoint notes, oldest first (for `--anchor`). */
  notes: readonly string[]
}

/** Verifies a store opened by the caller, then closes it. */
async function verifyOpenedStore(
  store: Store,
  key: CheckpointVerifierKey | undefined,
): Promise<Result> {
  const { verifyStore } = await import('@latch/server')
  try {
    const report = await verifyStore(store, key === undefined ? {} : { key })
    return { ...report, notes: (await store.listCheckpoints()).map((c) => c.note) }
  } finally {
    await store.close()
  }
}

async function verifyDataDir(dir: string, key: CheckpointVerifierKey | undefined): Promise<Result> {
  const { openSqliteStore } = await import('@latch/server')
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
  return verifyOpenedStore(store, key)
}

async function verifyDatabase(
  url: string,
  key: CheckpointVerifierKey | undefined,
): Promise<Result> {
  const { openPostgresStore } = await import('@latch/server')
  // Opening migrates a database that is behind; it never changes the audit tables' contents.
  const store = await openPostgresStore({
    url,
    poolSize: 2,
    statementTimeoutMs: 600_000,
    tailBounds: {
      maxUnsignedRecords: DEFAULTS.maxUnsignedRecords.default,
      maxUnsignedAgeMs: DEFAULTS.maxUnsignedAgeMs.default,
    },
  })
  return verifyOpenedStore(store, key)
}

async function verifyExport(file: string, key: CheckpointVerifierKey): Promise<Result> {
  const { readAuditExport, ServerError, verifyAuditLog } = await import('@latch/server')
  if (!existsSync(file)) throw new CliError('ERR_CLI_NOT_FOUND', `no file ${file}`)
  try {
    const exported = await readAuditExport(createReadStream(file))
    const { header: _header, checkpoints: _checkpoints, ...input } = exported
    const report = await verifyAuditLog({ ...input, key })
    return { ...report, key, origin: exported.origin, notes: input.notes }
  } catch (error) {
    // A malformed export is bad data (65), like a tampered one.
    if (error instanceof ServerError && error.code === 'ERR_REQUEST_INVALID') {
      throw new CliError('ERR_CLI_AUDIT_INVALID', `${file}: ${error.message}`)
    }
    throw error
  }
}

async function exportLog(
  client: KeyServerClient,
  output: string,
  io: Io,
): Promise<{ records: number; checkpoints: number; bytes: number; verifierKey: string }> {
  const { writeAuditExport } = await import('@latch/server')
  // Sign the head first, so the whole export is covered by a checkpoint; then read the head:
  // checkpoints and records are read up to it while the server goes on.
  await client.signCheckpoint()
  const [published, head, { checkpoints }] = await Promise.all([
    client.auditKey(),
    client.auditHead(),
    client.auditCheckpoints(),
  ])
  const toFile = output !== '-'
  const target = toFile ? `${output}.partial-${process.pid}` : undefined
  const stream: Writable =
    target === undefined ? (io.stdout as Writable) : createWriteStream(target, { mode: 0o600 })
  try {
    const summary = await writeAuditExport(
      stream,
      {
        header: {
          origin: head.origin,
          exportedAt: new Date(),
          size: head.size,
          headHash: Buffer.from(head.headHash, 'base64'),
          from: undefined,
        },
        checkpoints: checkpoints
          .filter((c) => c.size <= head.size)
          .map((c) => ({ size: c.size, note: c.note, signedAt: new Date(c.signedAt) })),
        rows: serverAuditRows(client, 0, head.size),
      },
      { end: toFile },
    )
    if (target !== undefined) await rename(target, output)
    return { ...summary, verifierKey: published.verifierKey }
  } catch (error) {
    if (target !== undefined) await rm(target, { force: true })
    throw error
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
  const report = await verifyAuditLog({
    origin: head.origin,
    rows: serverAuditRows(client),
    notes: checkpoints.map((c) => c.note),
    key,
    headSize: head.size,
  })
  return { ...report, key, origin: head.origin, notes: checkpoints.map((c) => c.note) }
}

async function print(result: Result, io: Io, json: boolean): Promise<void> {
  const { AUDIT_TIME_TOLERANCE_MS, formatVerifierKey } = await import('@latch/server')
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
    `${printable(result.origin)}: ${n(result.records)} records, ${n(result.checkpoints)} signed checkpoint${result.checkpoints === 1 ? '' : 's'}, ` +
      `signed through ${n(result.signedSize)}, ${n(result.unsignedRecords)} unsigned ` +
      `(${n(Math.round(result.records / Math.max(result.millis / 1000, 0.001)))} records/s)\n`,
  )
  for (const problem of result.problems) {
    if (problem.kind === 'stale') io.stderr.write(`warning: ${printable(problem.message)}\n`)
    else io.stdout.write(`  ${describe(problem)}\n`)
  }
  if (result.problems.some((p) => p.kind === 'record-time')) {
    io.stdout.write(
      `  record-time: record and checkpoint times that break the ${AUDIT_TIME_TOLERANCE_MS / 1000} s tolerance per-file reports bound their windows by (a record timed that long before a checkpoint before it, or a checkpoint timed before a record it covers); the key server never writes them: a database clock stepped back, notes not signed by the server, or records edited\n`,
    )
  }
  const timesOnly = result.problems.every((p) => p.kind === 'record-time' || p.kind === 'stale')
  io.stdout.write(
    result.ok
      ? `OK: every record and checkpoint verifies under ${printable(formatVerifierKey(result.key))}\n`
      : `${timesOnly ? 'INCONSISTENT TIMES' : 'TAMPERED'}: first bad ${describe(result.firstBad)}\n`,
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
  return printable(`${where}: ${problem.kind}: ${problem.message}`)
}
