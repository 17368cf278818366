import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createObjectWriter,
  encryptBuffer,
  exportX25519PublicJwk,
  generateX25519KeyPair,
  type Header,
  importX25519PublicKey,
  type KeyServerRecipient,
  openShare,
  parseCompactJwe,
  parseHeader,
  shareBindingOf,
  wrapShare,
} from '@latch/format'
import type { ClientPublicJwk, RewrapRequest } from '@latch/protocol'

/** One key request as the server received it: one HTTP request, one or many items. */
export interface KeyRequestCall {
  readonly path: '/v1/rewrap' | '/v1/rewrap/batch'
  readonly requests: readonly RewrapRequest[]
  readonly clientKey: ClientPublicJwk
  /** Settles when the client closes the connection before the answer is complete. */
  readonly closed: Promise<void>
  /** Whether the client closed it already. */
  readonly isClosed: () => boolean
}

/** An error body, as the server sends it (alone, or as a batch item's `error`). */
export interface ErrorBody {
  readonly code: string
  readonly message: string
  readonly requestId?: string
}

/** How the server answers a key request; `never` keeps the request open without an answer. */
export type Answer = { readonly status: number; readonly body: unknown } | 'never'

/**
 * A key server on loopback that really opens and re-wraps shares, with its own X25519 key, as
 * `latch server` does (open under the binding to the header core, then wrap to the client's
 * key), so that what the client receives opens like a real answer. Tests choose per call how it
 * answers (`answer`), and see every call it received (`calls`).
 */
export interface LoopbackKeyServer {
  readonly url: string
  readonly kasId: string
  /** Where objects for this server wrap their share. */
  readonly recipient: KeyServerRecipient
  /** Every key request received, in order. */
  readonly calls: KeyRequestCall[]
  /** How to answer a key request (default: {@link LoopbackKeyServer.release} with no refusal). */
  answer: (call: KeyRequestCall) => Answer | Promise<Answer>
  /**
   * The answer a real server gives when it releases every item `refuse` returns nothing for:
   * `/v1/rewrap` answers a refusal as a whole error answer with its status.
   */
  release(
    call: KeyRequestCall,
    refuse?: (request: RewrapRequest, index: number) => ErrorBody | undefined,
  ): Answer
  close(): Promise<void>
}

/** The status a real server gives each code it sends. */
const STATUS: Readonly<Record<string, number>> = {
  ERR_ACCESS_DENIED: 403,
  ERR_REQUEST_INVALID: 400,
  ERR_AUDIT_UNAVAILABLE: 503,
  ERR_STORE_UNAVAILABLE: 503,
}

/** Starts a {@link LoopbackKeyServer} on 127.0.0.1 and a free port. */
export async function startLoopbackKeyServer(kasId = 'kas-test'): Promise<LoopbackKeyServer> {
  const pair = generateX25519KeyPair()
  const kid = 'k1'
  const publicJwk = exportX25519PublicJwk(pair.publicKey, kid)
  const calls: KeyRequestCall[] = []
  const open = new Set<ServerResponse>()

  const rewrap = (request: RewrapRequest, clientKey: ClientPublicJwk): string => {
    const coreBytes = Buffer.from(request.core, 'base64url')
    const jwe = parseCompactJwe(request.jwe)
    const binding = shareBindingOf(coreBytes, jwe.header.sid, jwe.header.n)
    const share = openShare(jwe, pair.privateKey, binding)
    const publicKey = importX25519PublicKey({ kty: 'OKP', crv: 'X25519', x: clientKey.x })
    return wrapShare(share, { kid: clientKey.kid ?? 'client', publicKey }, binding)
  }

  const server: LoopbackKeyServer = {
    url: '',
    kasId,
    recipient: { kasId, kid, publicKey: pair.publicKey },
    calls,
    answer: (call) => server.release(call),
    release(call, refuse = () => undefined) {
      const results = call.requests.map((request, i) => {
        const error = refuse(request, i)
        return error === undefined ? { jwe: rewrap(request, call.clientKey) } : { error }
      })
      if (call.path === '/v1/rewrap/batch') return { status: 200, body: { results } }
      const [only] = results
      if (only !== undefined && 'error' in only) {
        return { status: STATUS[only.error.code] ?? 500, body: only.error }
      }
      return { status: 200, body: only }
    },
    async close() {
      for (const response of open) response.destroy()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (request.method === 'GET' && request.url === '/v1/keys') {
      send(200, {
        kasId,
        current: kid,
        keys: [{ ...publicJwk, use: 'enc', alg: 'ECDH-ES+A256KW' }],
      })
      return
    }
    const path = request.url
    if (request.method !== 'POST' || (path !== '/v1/rewrap' && path !== '/v1/rewrap/batch')) {
      send(404, { code: 'ERR_NOT_FOUND', message: 'not found' })
      return
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      requests?: RewrapRequest[]
      clientKey: ClientPublicJwk
      core?: string
      jwe?: string
    }
    let closed = false
    const call: KeyRequestCall = {
      path,
      requests:
        path === '/v1/rewrap'
          ? [{ core: body.core ?? '', jwe: body.jwe ?? '' }]
          : (body.requests ?? []),
      clientKey: body.clientKey,
      closed: new Promise<void>((resolve) => {
        response.on('close', () => {
          if (!response.writableFinished) {
            closed = true
            resolve()
          }
        })
      }),
      isClosed: () => closed,
    }
    calls.push(call)
    const answer = await server.answer(call)
    if (answer === 'never' || closed) return
    send(answer.status, answer.body)
  }

  const http: Server = createServer((request, response) => {
    open.add(response)
    response.on('close', () => open.delete(response))
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ code: 'ERR_INTERNAL', message: String(error) }))
      }
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  return Object.assign(server, { url })
}

/** A fresh object of `data` whose one share is wrapped to `recipients` (either may release it). */
export function encryptFor(
  recipients: readonly KeyServerRecipient[],
  data: Uint8Array,
  policyId = 'p-test',
): { object: Uint8Array; header: Header; core: string; jwe: string } {
  const writer = createObjectWriter({ policyId, shares: [recipients] })
  const object = encryptBuffer(writer, data)
  const header = parseHeader(object)
  const entry = header.entries[0]
  if (entry === undefined) throw new Error('an object without key entries')
  return {
    object,
    header,
    core: Buffer.from(header.coreBytes).toString('base64url'),
    jwe: entry.jwe,
  }
}
