import type { AuditValue } from '@latch/audit'
import type { FastifyBaseLogger } from 'fastify'
import type { AuditDraft } from '../store/records.js'
import type { Store } from '../store/store.js'
import { auditEvent, type RequestMeta } from './audit-event.js'
import type { Checkpointer } from './checkpointer.js'

/** Why an authentication failed, as `auth.failed` records name it. */
export type AuthFailureReason = 'missing' | 'invalid'

/** One failed authentication on a route that audits them. */
export interface AuthFailure {
  /** The route pattern (never the URL, which the caller chooses). */
  readonly route: string
  readonly reason: AuthFailureReason
  readonly meta: RequestMeta
}

/** Options of {@link AuthFailureAggregator}. */
export interface AuthFailureAggregatorOptions {
  /** Length of an interval: one at-once record and one counted record per source in each. */
  readonly intervalMs: number
  /** Sources counted one by one in an interval; failures from any further source share a tally. */
  readonly maxSources?: number
  readonly log?: FastifyBaseLogger | undefined
}

interface Tally {
  /** The request the at-once record names; undefined for the shared tally of further sources. */
  readonly firstRequestId: string | undefined
  readonly firstAt: Date
  lastAt: Date
  count: number
  readonly reasons: Record<AuthFailureReason, number>
  readonly routes: Map<string, number>
}

/** Sources tracked one by one per interval by default (a few megabytes at most). */
export const DEFAULT_MAX_SOURCES = 10_000

/**
 * Records failed authentications in the audit chain without letting a flood of bad tokens write
 * one chained record each (which would fill the disk and, through the unsigned-tail bound, stop
 * every key release). Per source address and interval: the first failure is recorded at once (a
 * single probe shows immediately); the following ones are only counted, and one `auth.failed`
 * record with their `count`, first and last time, reasons and routes is appended when the
 * interval ends (a timer) or on {@link AuthFailureAggregator.close}. Past `maxSources` sources in
 * one interval, the others' failures are counted together in one record without a source.
 *
 * Failed authentications release nothing, so a tally lost to a crash loses no evidence of a
 * release; this is the one place where the chain records less than every request.
 */
export class AuthFailureAggregator {
  readonly #store: Store
  readonly #checkpointer: Checkpointer
  readonly #intervalMs: number
  readonly #maxSources: number
  readonly #log: FastifyBaseLogger | undefined
  #tallies = new Map<string, Tally>()
  #others: Tally | undefined
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> = Promise.resolve()

  constructor(store: Store, checkpointer: Checkpointer, options: AuthFailureAggregatorOptions) {
    this.#store = store
    this.#checkpointer = checkpointer
    this.#intervalMs = options.intervalMs
    this.#maxSources = options.maxSources ?? DEFAULT_MAX_SOURCES
    this.#log = options.log
  }

  /** Starts the interval timer (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.#timer !== undefined) return
    this.#timer = setInterval(() => {
      this.flush().catch(() => undefined)
    }, this.#intervalMs)
    this.#timer.unref()
  }

  /**
   * Records one failure: its own record now when it is its source's first in this interval,
   * otherwise only a count. Never throws: a failure that cannot be audited is logged (the 401
   * stands either way).
   */
  async record(failure: AuthFailure): Promise<void> {
    const source = failure.meta.sourceIp
    const now = new Date()
    const tally = this.#tallies.get(source)
    if (tally !== undefined) {
      count(tally, failure, now)
      return
    }
    if (this.#tallies.size >= this.#maxSources) {
      this.#others ??= newTally(undefined, now)
      count(this.#others, failure, now)
      return
    }
    // Set before the append, so that concurrent failures from this source only count.
    const first = newTally(failure.meta.requestId, now)
    count(first, failure, now)
    this.#tallies.set(source, first)
    await this.#append(
      auditEvent('auth.failed', undefined, failure.meta, {
        route: failure.route,
        reason: failure.reason,
      }),
    )
  }

  /**
   * Ends the current interval: appends one counted record per source that failed more than once
   * in it, and one for the sources past the bound. Never throws (failed appends are logged).
   */
  flush(): Promise<void> {
    const tallies = this.#tallies
    const others = this.#others
    this.#tallies = new Map()
    this.#others = undefined
    this.#flushing = this.#flushing.then(async () => {
      for (const [source, tally] of tallies) {
        if (tally.count > 1) await this.#append(aggregateRecord(tally, source))
      }
      if (others !== undefined) await this.#append(aggregateRecord(others, undefined))
    })
    return this.#flushing
  }

  /** Stops the timer and appends what was counted (graceful shutdown). */
  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.flush()
  }

  async #append(draft: AuditDraft): Promise<void> {
    try {
      this.#checkpointer.appended(await this.#store.appendAudit(draft))
    } catch (error) {
      // A failed authentication releases nothing, audited or not.
      this.#log?.warn({ err: error }, 'could not audit failed authentications')
    }
  }
}

function newTally(firstRequestId: string | undefined, now: Date): Tally {
  return {
    firstRequestId,
    firstAt: now,
    lastAt: now,
    count: 0,
    reasons: { missing: 0, invalid: 0 },
    routes: new Map(),
  }
}

function count(tally: Tally, failure: AuthFailure, now: Date): void {
  tally.count++
  tally.lastAt = now
  tally.reasons[failure.reason]++
  tally.routes.set(failure.route, (tally.routes.get(failure.route) ?? 0) + 1)
}

function aggregateRecord(tally: Tally, source: string | undefined): AuditDraft {
  const routes: Record<string, AuditValue> = {}
  for (const [route, n] of tally.routes) routes[route] = n
  return auditEvent('auth.failed', undefined, undefined, {
    source_ip: source,
    other_sources: source === undefined ? true : undefined,
    first_request_id: tally.firstRequestId,
    count: tally.count,
    first_at: tally.firstAt.toISOString(),
    last_at: tally.lastAt.toISOString(),
    reasons: { ...tally.reasons },
    routes,
  })
}
