import { randomUUID } from 'node:crypto'
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { componentSchemas } from '@latch/protocol'
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify'
import fp from 'fastify-plugin'
import { ServerError } from '../errors.js'
import type { KeyServerServices } from '../services.js'
import { type ConsoleRoutesOptions, consoleRoutes } from './console/console-routes.js'
import { errorHandler } from './error-handler.js'
import { authentication } from './plugins/authentication.js'
import { cors } from './plugins/cors.js'
import { metrics } from './plugins/metrics.js'
import { RequestBudget } from './plugins/request-budget.js'
import { consoleConfigRoutes } from './routes/console-config.js'
import { healthRoutes } from './routes/health.js'
import { auditRoutes } from './routes/v1/audit.js'
import { keyRoutes } from './routes/v1/keys.js'
import { lockdownRoutes } from './routes/v1/lockdowns.js'
import { overviewRoutes } from './routes/v1/overview.js'
import { policyRoutes } from './routes/v1/policies.js'
import { policyBatchRoutes } from './routes/v1/policy-batch.js'
import { policyChangeRoutes } from './routes/v1/policy-changes.js'
import { policyReportRoutes } from './routes/v1/policy-report.js'
import { rewrapRoutes } from './routes/v1/rewrap.js'
import { userRoutes } from './routes/v1/users.js'

declare module 'fastify' {
  interface FastifyInstance {
    latch: KeyServerServices
    /**
     * Charges a batch's items beyond the first to its caller's rate limit (the request itself
     * was charged one); past the limit, sets `Retry-After` and throws 429 `ERR_RATE_LIMITED`
     * before any item is done.
     */
    chargeBatchItems(request: FastifyRequest, reply: FastifyReply, items: number): void
  }
}

/** Options of {@link buildApp}. */
export interface AppOptions {
  /** pino logger options, or false (tests). Tokens are redacted from any logged header. */
  readonly logger?: FastifyServerOptions['logger']
  /** Where the built web console is (tests); default: `@latch/console`'s `dist`. */
  readonly consoleDist?: ConsoleRoutesOptions['dist']
}

/**
 * Builds the key server's HTTP application on its services: OpenAPI → metrics → services → CORS →
 * authentication → rate limit (it needs to know who is anonymous) → routes. It does not listen;
 * `server.ts` does. Tests drive it with `app.inject()`.
 */
export async function buildApp(
  services: KeyServerServices,
  options: AppOptions = {},
): Promise<FastifyInstance> {
  const app = createFastify({
    logger: options.logger ?? false,
    bodyLimit: services.config.bodyLimitBytes,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Only the listed proxies' X-Forwarded-For is believed: otherwise any caller could choose the
    // address its audit records and its rate limit are keyed on.
    trustProxy: services.config.trustProxy.length === 0 ? false : [...services.config.trustProxy],
    ajv: { customOptions: { removeAdditional: true, coerceTypes: false, allErrors: false } },
    routerOptions: { maxParamLength: 400 },
  }).withTypeProvider<TypeBoxTypeProvider>()

  for (const schema of componentSchemas) app.addSchema(schema)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((request, reply) =>
    errorHandler(
      new ServerError('ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
      request,
      reply,
    ),
  )
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
    // Every API answer is private to its caller; only the console's hashed files say otherwise.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
  })

  await app.register(swagger, {
    openapi: {
      info: { title: 'Latch key server', version: '1' },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
    // Components keep the protocol's names (`Policy`, not `def-1`): clients generated from the
    // document name their types after them.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  })
  await app.register(metrics)
  await app.register(
    fp(
      async (instance) => {
        instance.decorate('latch', services)
      },
      { name: 'latch-services' },
    ),
  )
  await app.register(cors, { origins: services.config.corsOrigins })
  await app.register(authentication)
  const { rateLimitWindowMs: windowMs } = services.config
  // Requests that fail authentication cost a token lookup and may be audited: a flood of bad
  // tokens from one address meets a much lower limit than an authenticated identity.
  const limitOf = (request: FastifyRequest) =>
    isAnonymous(request) ? services.config.rateLimitAnonymousMax : services.config.rateLimitMax
  const keyOf = (request: FastifyRequest) =>
    request.identity !== undefined
      ? `id:${request.identity.email}`
      : `${isAnonymous(request) ? 'anonymous' : 'ip'}:${request.ip}`
  const limited = (retryAfter: string) =>
    Object.assign(
      new ServerError('ERR_RATE_LIMITED', `too many requests; retry in ${retryAfter}`),
      {
        statusCode: 429,
      },
    )
  const budget = new RequestBudget()
  await app.register(rateLimit, {
    hook: 'onRequest',
    max: limitOf,
    timeWindow: windowMs,
    keyGenerator: keyOf,
    // The plugin makes its store with `new`; a constructor returning an object hands it this one,
    // which the batch routes charge too.
    store: function budgetStore() {
      return budget
    } as unknown as FastifyRateLimitStoreCtor,
    errorResponseBuilder: (_request, context) => limited(context.after),
  })
  app.decorate(
    'chargeBatchItems',
    (request: FastifyRequest, reply: FastifyReply, items: number) => {
      if (items <= 1) return
      const { current, ttl } = budget.charge(keyOf(request), items - 1, windowMs)
      if (current <= limitOf(request)) return
      const seconds = Math.max(1, Math.ceil(ttl / 1000))
      reply.header('retry-after', String(seconds))
      throw limited(`${seconds} seconds`)
    },
  )
  await app.register(healthRoutes)
  await app.register(keyRoutes)
  await app.register(rewrapRoutes)
  await app.register(policyRoutes)
  await app.register(policyBatchRoutes)
  await app.register(policyChangeRoutes)
  await app.register(policyReportRoutes)
  await app.register(userRoutes)
  await app.register(lockdownRoutes)
  await app.register(auditRoutes)
  await app.register(overviewRoutes)
  await app.register(consoleConfigRoutes)
  if (services.config.console) {
    await app.register(consoleRoutes, { dist: options.consoleDist })
  }
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  )
  return app
}

// A request to a route that needs an identity, without a valid one (public routes are limited
// per address at the identities' rate: they write nothing and look nothing up).
function isAnonymous(request: FastifyRequest): boolean {
  return (
    request.identity === undefined && (request.routeOptions.config.access ?? 'user') !== 'public'
  )
}

function createFastify(options: FastifyServerOptions) {
  try {
    return Fastify(options)
  } catch (error) {
    // proxy-addr refuses a malformed address or range when Fastify compiles `trustProxy`.
    if (error instanceof TypeError && options.trustProxy !== false) {
      throw new ServerError('ERR_CONFIG_INVALID', `trustProxy: ${error.message}`, { cause: error })
    }
    throw error
  }
}
