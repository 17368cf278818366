import type { ClaimedPolicyRequest, PolicyView } from '@latch/protocol'
import { batchItemError } from './batch-item-error.js'
import { ClientError, KeyServerError } from './errors.js'
import type { KeyServerClient } from './key-server-client.js'
import { settleOnce } from './settle-once.js'

interface Pending {
  readonly request: ClaimedPolicyRequest
  /** Set once it left the queue in a request; a single request gets the caller's signal. */
  sent: boolean
  readonly signal: AbortSignal | undefined
  resolve(policy: PolicyView): boolean
  reject(error: unknown): boolean
}

/** Options of {@link PolicyBatcher}. */
export interface PolicyBatcherOptions {
  /** Most creations in one request: the server's `batchMax` (default 100, as the server's). */
  readonly maxBatch?: number
  /**
   * Most requests in flight at once (default 2). Creations asked for while they are all in flight
   * wait and go together in the next one, so a busy client sends few large batches.
   */
  readonly maxInFlight?: number
  /** Runs `task` after the current turn of the event loop (default `setTimeout(task, 0)`). */
  readonly schedule?: (task: () => void) => void
}

/**
 * Collects the claimed policy creations (`POST /v1/policies` with a claim and its object) asked
 * for in the same turn of the event loop, or while earlier batches are in flight, and sends them
 * as one `POST /v1/policies/batch` (at most `maxBatch` each); a creation alone takes the single
 * route. The server still creates and audits each on its own: a refused item rejects only its
 * own promise, with the {@link KeyServerError} the single route would have thrown (a per-item 503
 * when its records were not committed, and it was not created). A server without the batch route
 * (404) gets single requests from then on.
 */
export class PolicyBatcher {
  readonly #client: KeyServerClient
  readonly #maxBatch: number
  readonly #maxInFlight: number
  readonly #schedule: (task: () => void) => void
  #queue: Pending[] = []
  #scheduled = false
  #inFlight = 0
  #batchRoute = true

  constructor(client: KeyServerClient, options: PolicyBatcherOptions = {}) {
    this.#client = client
    this.#maxBatch = options.maxBatch ?? 100
    this.#maxInFlight = options.maxInFlight ?? 2
    this.#schedule = options.schedule ?? ((task) => setTimeout(task, 0))
  }

  /**
   * Creates the policy `request` claims, with its object registered: the server's view of it.
   * An abort of `options.signal` rejects with its reason at once; a creation still waiting for
   * its batch is taken out of it and never sent (nothing is created), one already sent may still
   * be created (a policy whose object was never stored governs nothing).
   */
  create(
    request: ClaimedPolicyRequest,
    options: { readonly signal?: AbortSignal | undefined } = {},
  ): Promise<PolicyView> {
    const { signal } = options
    return new Promise((resolve, reject) => {
      const once = settleOnce(resolve, reject, signal, () => {
        const queued = item.sent ? -1 : this.#queue.indexOf(item)
        if (queued >= 0) this.#queue.splice(queued, 1)
      })
      const item: Pending = {
        request,
        sent: false,
        signal,
        resolve: once.resolve,
        reject: once.reject,
      }
      if (once.settled) return
      this.#queue.push(item)
      this.#kick()
    })
  }

  #kick(): void {
    if (this.#scheduled || this.#queue.length === 0) return
    this.#scheduled = true
    this.#schedule(() => this.#flush())
  }

  #flush(): void {
    this.#scheduled = false
    while (this.#queue.length > 0 && this.#inFlight < this.#maxInFlight) {
      const batch = this.#queue.splice(0, this.#maxBatch)
      for (const item of batch) item.sent = true
      this.#inFlight++
      this.#send(batch)
        .catch((error: unknown) => {
          for (const item of batch) item.reject(error)
        })
        .finally(() => {
          this.#inFlight--
          this.#kick()
        })
    }
  }

  async #send(batch: readonly Pending[]): Promise<void> {
    if (batch.length === 1 || !this.#batchRoute) {
      await Promise.all(
        batch.map(({ request, signal, resolve, reject }) =>
          this.#client.createPolicy(request, { signal }).then(resolve, reject),
        ),
      )
      return
    }
    let results: Awaited<ReturnType<KeyServerClient['createPolicies']>>['results']
    try {
      ;({ results } = await this.#client.createPolicies(batch.map((item) => item.request)))
    } catch (error) {
      // A server older than the batch route: nothing was created, so each goes on its own.
      if (!(error instanceof KeyServerError) || error.status !== 404) throw error
      this.#batchRoute = false
      await this.#send(batch)
      return
    }
    if (results.length !== batch.length) {
      throw new ClientError(
        'ERR_CLIENT_RESPONSE_INVALID',
        'the key server answered a batch of another size',
      )
    }
    batch.forEach((item, i) => {
      const result = results[i] as (typeof results)[number]
      if ('error' in result) item.reject(batchItemError(result.error))
      else item.resolve(result.policy)
    })
  }
}
