import autocannon from 'autocannon'

/** One request of a load: method and path, and optionally headers, body and expected status. */
export interface LoadRequest {
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  /** The status this request must get; any other counts as `unexpected`. Default: 200. */
  readonly expect?: number
}

/** What a load run measured. */
export interface LoadResult {
  /** Responses received. */
  readonly responses: number
  readonly seconds: number
  /** Responses per second. */
  readonly rate: number
  /** Latency percentiles of every response, in milliseconds. */
  readonly p50: number
  readonly p99: number
  /** Responses by status code. */
  readonly statuses: Readonly<Record<string, number>>
  /** Responses whose status was not the one their request expected (or a 200 without a body). */
  readonly unexpected: number
  /** Connection errors and timeouts. */
  readonly errors: number
  /** CPU time (user + system) of this process, the load generator, during the run. */
  readonly cpuSeconds: number
}

/**
 * Runs autocannon against `url` with `connections` keep-alive connections (no pipelining), each
 * sending the next request of the shared `requests` cycle as soon as its previous answer is in.
 * Stops after `amount` responses, or after `seconds` when no amount is given. Every answer is
 * checked against the status its request expected, per connection (one request in flight each).
 */
export async function runHttpLoad(options: {
  /** One server, or several: autocannon spreads the connections over them in turn. */
  url: string | readonly string[]
  connections: number
  requests: readonly LoadRequest[]
  seconds?: number
  amount?: number
}): Promise<LoadResult> {
  const { requests } = options
  let next = 0
  let unexpected = 0
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  const result = await autocannon({
    // autocannon takes an array of URLs; its types say string.
    url: options.url as string,
    connections: options.connections,
    pipelining: 1,
    ...(options.amount === undefined
      ? { duration: options.seconds ?? 10 }
      : { amount: options.amount }),
    requests: [
      {
        setupRequest: (request, context: { expect?: number }) => {
          const chosen = requests[next++ % requests.length] as LoadRequest
          context.expect = chosen.expect ?? 200
          return {
            ...request,
            method: chosen.method,
            path: chosen.path,
            headers: { ...chosen.headers },
            ...(chosen.body === undefined ? {} : { body: chosen.body }),
          }
        },
        onResponse: (status, body, context: { expect?: number }) => {
          if (status !== context.expect || (status === 200 && String(body).length === 0)) {
            unexpected++
          }
        },
      },
    ],
  })
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const statuses: Record<string, number> = {}
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statuses[code] = stats.count ?? 0
  }
  const responses = Object.values(statuses).reduce((sum, n) => sum + n, 0)
  return {
    responses,
    seconds,
    rate: responses / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
    unexpected,
    errors: result.errors,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  }
}
