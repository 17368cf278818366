import type { S3Client } from '@aws-sdk/client-s3'
import type { KeyServerTransport } from '@latch/client'

/** Count and total wall time of one kind of call. */
export interface CallStats {
  count: number
  totalMs: number
}

/**
 * Records how long each S3 command and each key-server request takes, by name (`PutObject`,
 * `POST /v1/policies`, …), to show where an encrypted operation's time goes. Key-server times run
 * to the answer's headers (its JSON bodies are small).
 */
export class CallTimer {
  #stats = new Map<string, CallStats>()

  /** A `fetch` for `KeyServerClient` that records each request as `METHOD /path`. */
  readonly fetch: typeof fetch = async (input, init) => {
    const start = performance.now()
    try {
      return await fetch(input, init)
    } finally {
      const url = input instanceof Request ? input.url : String(input)
      this.#recordRequest(init?.method ?? 'GET', url, performance.now() - start)
    }
  }

  /** `transport` for `KeyServerClient`, recording each request as `METHOD /path`. */
  transport(inner: KeyServerTransport): KeyServerTransport {
    return async (request) => {
      const start = performance.now()
      try {
        return await inner(request)
      } finally {
        this.#recordRequest(request.method, request.url, performance.now() - start)
      }
    }
  }

  /** Adds a middleware that records every command `client` sends, by command name. */
  instrument(client: S3Client): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const start = performance.now()
        try {
          return await next(args)
        } finally {
          this.record(context.commandName ?? 'S3', performance.now() - start)
        }
      },
      { step: 'initialize', name: 'latchBenchCallTimer' },
    )
  }

  /** Adds one call of `name` that took `ms` milliseconds. */
  record(name: string, ms: number): void {
    const stats = this.#stats.get(name)
    if (stats === undefined) this.#stats.set(name, { count: 1, totalMs: ms })
    else {
      stats.count++
      stats.totalMs += ms
    }
  }

  #recordRequest(method: string, url: string, ms: number): void {
    const path = new URL(url).pathname.replace(/^(\/v1\/policies\/)(?!batch$)[^/]+/, '$1:id')
    this.record(`${method} ${path}`, ms)
  }

  /** What was recorded since the last call, and a fresh start. */
  take(): Map<string, CallStats> {
    const stats = this.#stats
    this.#stats = new Map()
    return stats
  }
}
