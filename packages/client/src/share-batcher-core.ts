import { FormatError, type ShareBinding } from '@latch/format/web'
import { batchItemError } from './batch-item-error.js'
import { ClientError } from './errors.js'
import type { KeyServerClient } from './key-server-client.js'
import { settleOnce } from './settle-once.js'

interface Pending {
  readonly core: string
  readonly jwe: string
  readonly binding: ShareBinding
  /** The batch it was sent in; `undefined` while it waits in the queue. */
  batch: Batch | undefined
  readonly settled: boolean
  resolve(share: Uint8Array): void
  reject(error: unknown): void
}

interface Batch {
  readonly items: readonly Pending[]
  /** Cancels the batch's HTTP request, once none of its callers waits for it. */
  readonly controller: AbortController
}

/** A throw-away X25519 key for one batch: its public JWK and how to open a share wrapped to it. */
export interface Throwaway {
  readonly jwk: {
    readonly kty: 'OKP'
    readonly crv: 'X25519'
    readonly x: string
    readonly kid: 'client'
  }
  /**
   * Opens a re-wrapped share and checks its binding.
   *
   * @throws FormatError when it does not open for this object.
   */
  open(jwe: string, binding: ShareBinding): Uint8Array | Promise<Uint8Array>
}

/** What differs between Node and browsers: the key agreement, and how to wait for a batch. */
export interface BatcherPlatform {
  /** A fresh throw-away key (never reused across batches). */
  throwaway(): Throwaway | Promise<Throwaway>
  /** Runs `task` after the current turn of the event loop (`setImmediate`, `setTimeout(0)`). */
  schedule(task: () => void): void
}

/**
 * Collects the key requests made in the same turn of the event loop (many objects read at once)
 * and sends them as one `POST /v1/rewrap/batch` (up to `maxBatch` each), re-wrapped to one fresh
 * throw-away key per batch. Each request is still decided and audited on its own by the server;
 * a denial fails only its own request, and so does a per-item 503 (the audit or the database
 * failed after earlier items were released), as a {@link KeyServerError} with status 503.
 */
export class ShareBatcherCore {
  readonly #client: KeyServerClient
  readonly #platform: BatcherPlatform
  readonly #maxBatch: number
  #queue: Pending[] = []
  #scheduled = false

  constructor(client: KeyServerClient, platform: BatcherPlatform, maxBatch = 100) {
    this.#client = client
    this.#platform = platform
    this.#maxBatch = maxBatch
  }

  /**
   * The share of one key entry (`jwe`) of the object whose header core is `core`. An abort of
   * `options.signal` rejects with its reason at once: a request still waiting for its batch is
   * taken out of it, and the HTTP request of a batch in flight is cancelled once every caller of
   * that batch has given up.
   */
  share(
    core: string,
    jwe: string,
    binding: ShareBinding,
    options: { readonly signal?: AbortSignal | undefined } = {},
  ): Promise<Uint8Array> {
    const { signal } = options
    return new Promise((resolve, reject) => {
      const once = settleOnce<Uint8Array>(resolve, reject, signal, () =>
        this.#abandon(item, signal?.reason),
      )
      const item: Pending = {
        core,
        jwe,
        binding,
        batch: undefined,
        get settled() {
          return once.settled
        },
        resolve: (share) => {
          if (!once.resolve(share)) share.fill(0)
        },
        reject: once.reject,
      }
      if (once.settled) return
      this.#queue.push(item)
      if (!this.#scheduled) {
        this.#scheduled = true
        this.#platform.schedule(() => this.#flush())
      }
    })
  }

  /** Called once `item` was aborted: out of the queue, or its batch cancelled if nobody waits. */
  #abandon(item: Pending, reason: unknown): void {
    const { batch } = item
    if (batch === undefined) {
      const queued = this.#queue.indexOf(item)
      if (queued >= 0) this.#queue.splice(queued, 1)
      return
    }
    if (batch.items.every((other) => other.settled)) batch.controller.abort(reason)
  }

  #flush(): void {
    this.#scheduled = false
    while (this.#queue.length > 0) {
      const batch: Batch = {
        items: this.#queue.splice(0, this.#maxBatch),
        controller: new AbortController(),
      }
      for (const item of batch.items) item.batch = batch
      this.#send(batch).catch((error: unknown) => {
        for (const item of batch.items) item.reject(error)
      })
    }
  }

  async #send({ items: batch, controller }: Batch): Promise<void> {
    const throwaway = await this.#platform.throwaway()
    const clientKey = throwaway.jwk
    const requests = batch.map(({ core, jwe }) => ({ core, jwe }))
    const options = { signal: controller.signal }
    // One request alone takes the single route, whose denial is a 403 like any other client's.
    const { results } =
      requests.length === 1
        ? {
            results: [
              await this.#client.rewrap(
                requests[0] as { core: string; jwe: string },
                clientKey,
                options,
              ),
            ],
          }
        : await this.#client.rewrapBatch(requests, clientKey, options)
    if (results.length !== batch.length) {
      throw new ClientError(
        'ERR_CLIENT_RESPONSE_INVALID',
        'the key server answered a batch of another size',
      )
    }
    const opened = batch.map(async (item, i) => {
      const result = results[i] as (typeof results)[number]
      if (item.settled) return
      if ('error' in result) {
        item.reject(batchItemError(result.error))
        return
      }
      try {
        item.resolve(await throwaway.open(result.jwe, item.binding))
      } catch (cause) {
        if (!(cause instanceof FormatError)) throw cause
        item.reject(
          new ClientError(
            'ERR_CLIENT_RESPONSE_INVALID',
            'the key server answered a share that does not open for this object',
            { cause },
          ),
        )
      }
    })
    await Promise.all(opened)
  }
}
