import { join } from 'node:path'
import {
  AUDIT_TIME_TOLERANCE_MS,
  type AuditRow,
  buildFileReport,
  type CheckpointVerifierKey,
  type FileReport,
} from '@latch/audit'
import { openSqliteStore, type Store } from '@latch/server'
import { median } from '../shared/measure.js'
import { printTable, type Row } from '../shared/report.js'

/** One measured report window. */
export interface ReportFigure {
  readonly what: string
  readonly ms: number
  /** Records the report read and verified (from its opening checkpoint to its closing one). */
  readonly scanned: number
  /** Records inside the window itself. */
  readonly inWindow: number
  readonly events: number
}

const NO_TAIL_BOUNDS = { maxUnsignedRecords: 1e9, maxUnsignedAgeMs: 1e12 }
const SLOW_MS = 5000

/**
 * Time of `buildFileReport` (the `latch audit report` document) for one file in a long SQLite
 * log, in this process, rows read in pages from a read-only store as `iterateAudit` gives them:
 * (a) a window over the whole log, (b) a window of `windowRecords` records in its middle. Each
 * report verifies the chain between the checkpoints around its window (the last timed before it,
 * the first timed `AUDIT_TIME_TOLERANCE_MS` after it) and lists the file's records; `expectedEvents` is how many the
 * whole log holds. Median of `rounds` (one, for a report that takes over 5 s); the whole-log
 * verification (`verifyMs`, from the audit-verify table) is the baseline.
 *
 * @throws Error when a report does not verify or misses the file's records.
 */
export async function benchFileReport(options: {
  dataDir: string
  key: CheckpointVerifierKey
  policyId: string
  expectedEvents: number
  windowRecords: number
  rounds: number
  verifyMs: number
}): Promise<ReportFigure[]> {
  process.stderr.write('lockdown: file report …\n')
  const store = openSqliteStore({
    file: join(options.dataDir, 'latch.db'),
    readonly: true,
    tailBounds: NO_TAIL_BOUNDS,
  })
  try {
    const head = await store.auditHead()
    const notes = (await store.listCheckpoints()).map((c) => c.note)
    const timeAt = async (seq: number) => {
      const [row] = await store.readAudit(seq - 1, 1)
      if (row === undefined) throw new Error(`no record ${seq}`)
      return new Date(JSON.parse(Buffer.from(row.recordBytes).toString('utf8')).time)
    }
    const middle = Math.floor((head.size - options.windowRecords) / 2)
    const whole = {
      what: `whole log (${head.size.toLocaleString('en')} records)`,
      since: new Date(0),
      until: new Date((await timeAt(head.size)).getTime() + 1),
      inWindow: head.size,
    }
    const windows = [
      whole,
      {
        what: `${options.windowRecords.toLocaleString('en')} records in the middle of the log`,
        since: await timeAt(middle + 1),
        until: await timeAt(middle + options.windowRecords + 1),
        inWindow: options.windowRecords,
      },
    ]
    const figures: ReportFigure[] = []
    for (const window of windows) {
      const times: number[] = []
      let report: FileReport | undefined
      for (let round = 0; round < options.rounds; round++) {
        // Seconds per report say enough once, on a machine this busy.
        if (times.some((ms) => ms > SLOW_MS)) break
        const started = performance.now()
        report = await buildFileReport({
          policyId: options.policyId,
          since: window.since,
          until: window.until,
          origin: store.auditOrigin,
          key: options.key,
          notes,
          rows: (after, upTo) => rowsOf(store, after, upTo),
        })
        times.push(performance.now() - started)
      }
      if (report === undefined || !report.verification.ok) {
        throw new Error(`file report over ${window.what}: the chain does not verify`)
      }
      const scanned = report.to.size - report.from.size
      if (report.verification.records !== scanned) throw new Error('report: rows read')
      if (window.since.getTime() === 0 && report.events.length !== options.expectedEvents) {
        throw new Error(`report: ${report.events.length} of ${options.expectedEvents} events`)
      }
      figures.push({
        what: times.length < options.rounds ? `${window.what}, 1 round` : window.what,
        ms: median(times),
        scanned,
        inWindow: window.inWindow,
        events: report.events.length,
      })
    }
    const rows: Row[] = [
      {
        what: `verifyStore over the whole log, synchronous scan (baseline, from the table above)`,
        value: options.verifyMs,
        unit: 'ms',
        ratio: 1,
      },
      ...figures.map((f) => ({
        what: `buildFileReport, ${f.what}: ${f.scanned.toLocaleString('en')} records read and verified, ${f.events} of the file's events listed`,
        value: f.ms,
        unit: 'ms',
        ratio: f.ms / options.verifyMs,
      })),
    ]
    printTable(
      `Report generation for one file (\`buildFileReport\`, as \`latch audit report\` runs it, rows in pages from a read-only SQLite store; checkpoints every 10,000 records; median of ${options.rounds})`,
      rows,
    )
    const [, window] = windows as [typeof whole, typeof whole]
    const perSecond =
      (options.windowRecords / (window.until.getTime() - window.since.getTime())) * 1000
    process.stdout.write(
      `\n- a report reads from the last checkpoint timed before its window to the first timed ${AUDIT_TIME_TOLERANCE_MS / 1000} s after it; the log around the ${options.windowRecords.toLocaleString('en')}-record window was appended at about ${Math.round(perSecond).toLocaleString('en')} records/s, so the ${AUDIT_TIME_TOLERANCE_MS / 1000} s after it hold about ${Math.round((perSecond * AUDIT_TIME_TOLERANCE_MS) / 1000).toLocaleString('en')} records (and the checkpoint interval before it up to 10,000), where a real server's ${AUDIT_TIME_TOLERANCE_MS / 1000} s hold a few thousand at most\n`,
    )
    return figures
  } finally {
    await store.close()
  }
}

async function* rowsOf(store: Store, after: number, upTo: number): AsyncIterable<AuditRow> {
  for await (const row of store.iterateAudit(after)) {
    if (row.seq > upTo) return
    yield row
  }
}
