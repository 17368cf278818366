import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'

/** The Prometheus metrics of one server instance. */
export interface Metrics {
  readonly registry: Registry
  readonly decisions: Counter<'outcome'>
  readonly decisionSeconds: Histogram<'outcome'>
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

/**
 * Prometheus metrics on `GET /metrics`: requests by route and status, request latency, key
 * decisions by outcome (`permit`, `deny`, `error`) and their latency, plus Node's defaults.
 * Labels are route patterns, never raw URLs (no ids, no tokens).
 */
export const metrics = fp(
  async (app: FastifyInstance) => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })
    const requests = new Counter({
      name: 'latch_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    })
    const requestSeconds = new Histogram({
      name: 'latch_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    })
    const decisions = new Counter({
      name: 'latch_key_decisions_total',
      help: 'Key-release decisions by outcome (permit, deny, error)',
      labelNames: ['outcome'],
      registers: [registry],
    })
    const decisionSeconds = new Histogram({
      name: 'latch_key_decision_duration_seconds',
      help: 'Key-release decision latency, audit commit included',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [registry],
    })
    app.decorate('metrics', { registry, decisions, decisionSeconds })
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched'
      requests.inc({ route, method: request.method, status: reply.statusCode })
      requestSeconds.observe({ route }, reply.elapsedTime / 1000)
    })
    app.get(
      '/metrics',
      { config: { access: 'public' }, schema: { hide: true } },
      async (_request, reply) => {
        reply.type(registry.contentType)
        return registry.metrics()
      },
    )
  },
  { name: 'metrics' },
)
