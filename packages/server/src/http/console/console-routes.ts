import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { ServerError } from '../../errors.js'
import { consoleSecurityHeaders } from './console-security-headers.js'
import { findConsoleDist } from './find-console-dist.js'

/** Options of {@link consoleRoutes}. */
export interface ConsoleRoutesOptions {
  /** The built console (`index.html`, `assets/`); default: `@latch/console`'s `dist`. */
  readonly dist?: string | undefined
}

const YEAR_SECONDS = 365 * 24 * 3600

/**
 * Serves the web console at `/console`: its files as they were built, and `index.html` for every
 * other path under `/console/` (the console routes in the browser), so that a reload or a link to
 * `/console/files/p-…` opens the page. Only the files the build wrote are served (listed once at
 * start), never a path made from the request. Hashed assets (`assets/`) are cached for a year as
 * immutable; `index.html` is never stored, so a new build is picked up at the next load. Every
 * answer carries the strict Content-Security-Policy of {@link consoleSecurityHeaders}.
 *
 * The routes are public: the page and its scripts hold no secret; the data comes from `/v1`
 * with the token the user signs in with.
 */
export async function consoleRoutes(
  app: FastifyInstance,
  options: ConsoleRoutesOptions,
): Promise<void> {
  const headers = consoleSecurityHeaders(app.latch.config)
  const dist = options.dist ?? findConsoleDist()
  const route = { config: { access: 'public' as const }, schema: { hide: true } }
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(headers)
  })
  if (dist === undefined) {
    app.log.warn('the web console is not built (npm run build): /console answers 404')
    const notBuilt = async () => {
      throw new ServerError('ERR_NOT_FOUND', 'the web console is not built on this server')
    }
    app.get('/console', route, notBuilt)
    app.get('/console/*', route, notBuilt)
    return
  }
  await app.register(fastifyStatic, { root: dist, serve: false })
  const files = new Set(
    readdirSync(dist, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(dist, join(entry.parentPath, entry.name))),
  )
  const sendIndex = (reply: FastifyReply) =>
    reply
      .header('cache-control', 'no-store')
      .sendFile('index.html', dist, { cacheControl: false, lastModified: false, etag: false })

  app.get('/console', route, async (_request, reply) => sendIndex(reply))
  app.get<{ Params: { '*': string } }>('/console/*', route, async (request, reply) => {
    const path = request.params['*']
    if (path !== 'index.html' && files.has(path)) {
      return path.startsWith('assets/')
        ? reply.sendFile(path, dist, { maxAge: YEAR_SECONDS * 1000, immutable: true })
        : reply.header('cache-control', 'no-cache').sendFile(path, dist, { cacheControl: false })
    }
    // A missing script or style is a 404, not the page: the browser would refuse it (nosniff).
    if (path.startsWith('assets/')) {
      throw new ServerError('ERR_NOT_FOUND', `no console file ${path}`)
    }
    return sendIndex(reply)
  })
}
