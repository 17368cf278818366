import { readFile } from 'node:fs/promises'
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

/**
 * Bundles a browser module with Vite (already the console's bundler) into one ES module, on the
 * workspace's TypeScript sources and the `browser` export condition (so `@latch/format` resolves
 * to its WebCrypto build).
 *
 * @param entry - the module's file.
 * @returns the bundle's code.
 */
export async function bundleForBrowser(entry: URL): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'warn',
    resolve: { conditions: ['@latch/source', 'browser', 'module', 'import', 'default'] },
    build: {
      write: false,
      minify: false,
      target: 'es2023',
      lib: { entry: fileURLToPath(entry), formats: ['es'], fileName: 'page' },
    },
  })
  const results = Array.isArray(output) ? output : [output]
  for (const result of results) {
    if ('output' in result) {
      const chunk = result.output.find((item) => item.type === 'chunk')
      if (chunk !== undefined && 'code' in chunk) return chunk.code
    }
  }
  throw new Error(`bundling ${entry} gave no chunk`)
}

/** A page server: `url` ends without a slash. */
export interface PageServer {
  readonly url: string
  close(): Promise<void>
}

/**
 * Serves a test page on 127.0.0.1: `/` is an HTML page that loads `/page.js` (the bundle),
 * `/files/<name>` serves the files of `folder` (the vectors), and `/kas/<path>` is passed on to
 * `proxyTo` (a key server), so the page reaches everything on its own origin (no CORS).
 */
export async function servePage(
  bundle: string,
  folder?: URL,
  proxyTo?: string,
): Promise<PageServer> {
  const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>'
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    const send = (status: number, type: string, body: string | Uint8Array) => {
      response.writeHead(status, { 'content-type': type })
      response.end(body)
    }
    if (path === '/') return send(200, 'text/html', html)
    if (proxyTo !== undefined && path.startsWith('/kas/'))
      return void proxy(request, response, proxyTo)
    if (path === '/page.js') return send(200, 'text/javascript', bundle)
    if (folder !== undefined && path.startsWith('/files/') && !path.includes('..')) {
      readFile(new URL(path.slice('/files/'.length), folder)).then(
        (body) => send(200, 'application/json', body),
        () => send(404, 'text/plain', 'not found'),
      )
      return
    }
    send(404, 'text/plain', 'not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function proxy(
  request: IncomingMessage,
  response: ServerResponse,
  target: string,
): Promise<void> {
  const url = new URL((request.url ?? '/').slice('/kas'.length), target)
  // The body first (small JSON): a server may answer before it has read a request it refuses.
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  const { host: _host, connection: _connection, ...headers } = request.headers
  const upstream = httpRequest(url, { method: request.method, headers }, (answer) => {
    const { connection: _c, 'keep-alive': _k, ...answerHeaders } = answer.headers
    response.writeHead(answer.statusCode ?? 502, answerHeaders)
    answer.pipe(response)
  })
  upstream.on('error', () => {
    if (response.headersSent) response.destroy()
    else response.writeHead(502).end()
  })
  upstream.end(Buffer.concat(chunks))
}
