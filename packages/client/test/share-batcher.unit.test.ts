import { combineShares, decryptBuffer, shareBindingOf } from '@latch/format'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ClientError, KeyServerClient, KeyServerError } from '../src/index.js'
import { ShareBatcher } from '../src/share-batcher.js'
import {
  type Answer,
  encryptFor,
  type KeyRequestCall,
  type LoopbackKeyServer,
  startLoopbackKeyServer,
} from './helpers/loopback-key-server.js'

let kas: LoopbackKeyServer
let client: KeyServerClient

beforeEach(async () => {
  kas = await startLoopbackKeyServer()
  client = new KeyServerClient({ server: kas.url, timeoutMs: 10_000 })
})

afterEach(async () => {
  await kas.close()
})

/** `count` objects for `kas`, each with its own content, and what the batcher asks for each. */
function objects(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const data = Buffer.from(`object ${i}`)
    const encrypted = encryptFor([kas.recipient], data)
    return {
      data,
      ...encrypted,
      binding: shareBindingOf(encrypted.header.coreBytes, 1, 1),
    }
  })
}

/** Whether `share` is the share of `object`: it decrypts it to its own content. */
async function opens(
  object: ReturnType<typeof objects>[number],
  share: Uint8Array,
): Promise<boolean> {
  const plain = await decryptBuffer(object.object, async () => combineShares([share]))
  return Buffer.from(plain).equals(object.data)
}

function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
}

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open(): void } {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}

/** Waits until the server received `n` key requests in all. */
async function receivedCalls(n: number): Promise<void> {
  while (kas.calls.length < n) await new Promise((resolve) => setTimeout(resolve, 5))
}

describe('batching key requests', () => {
  it('sends the requests of one turn in batches of at most the batch size, and routes each share to its caller', async () => {
    const batcher = new ShareBatcher(client, 4)
    const all = objects(10)
    const shares = await Promise.all(all.map((o) => batcher.share(o.core, o.jwe, o.binding)))
    expect(kas.calls.map((c) => [c.path, c.requests.length])).toEqual([
      ['/v1/rewrap/batch', 4],
      ['/v1/rewrap/batch', 4],
      ['/v1/rewrap/batch', 2],
    ])
    // Every request was sent once, in the order the callers asked.
    expect(kas.calls.flatMap((c) => c.requests.map((r) => r.jwe))).toEqual(all.map((o) => o.jwe))
    for (const [i, object] of all.entries()) {
      expect(await opens(object, shares[i] as Uint8Array), `object ${i}`).toBe(true)
    }
    // One throw-away key per batch.
    expect(new Set(kas.calls.map((c) => c.clientKey.x)).size).toBe(3)
  })

  it('sends one request alone on the single route', async () => {
    const batcher = new ShareBatcher(client)
    const [object] = objects(1)
    if (object === undefined) throw new Error('no object')
    const share = await batcher.share(object.core, object.jwe, object.binding)
    expect(kas.calls.map((c) => c.path)).toEqual(['/v1/rewrap'])
    expect(await opens(object, share)).toBe(true)
  })

  it('does not hold requests of a later turn back for an earlier batch', async () => {
    const batcher = new ShareBatcher(client)
    const [a, b, c] = objects(3)
    if (a === undefined || b === undefined || c === undefined) throw new Error('no object')
    const first = [batcher.share(a.core, a.jwe, a.binding), batcher.share(b.core, b.jwe, b.binding)]
    await new Promise((resolve) => setImmediate(resolve))
    const later = batcher.share(c.core, c.jwe, c.binding)
    await Promise.all([...first, later])
    expect(kas.calls.map((call) => call.requests.length)).toEqual([2, 1])
  })

  it('fails only the callers whose item the server refused, each with its own code and status', async () => {
    const batcher = new ShareBatcher(client)
    const all = objects(6)
    const refusals = new Map<string, { code: string; message: string; requestId?: string }>([
      [
        all[1]?.jwe ?? '',
        { code: 'ERR_ACCESS_DENIED', message: 'access denied', requestId: 'r-1' },
      ],
      [
        all[2]?.jwe ?? '',
        { code: 'ERR_AUDIT_UNAVAILABLE', message: 'audit down', requestId: 'r-2' },
      ],
      [all[3]?.jwe ?? '', { code: 'ERR_REQUEST_INVALID', message: 'bad jwe' }],
      [all[4]?.jwe ?? '', { code: 'ERR_FROM_THE_FUTURE', message: 'newer', requestId: 'r-4' }],
    ])
    kas.answer = (call) => kas.release(call, (request) => refusals.get(request.jwe))
    const results = await Promise.all(
      all.map((o) => outcome(batcher.share(o.core, o.jwe, o.binding))),
    )
    expect(kas.calls).toHaveLength(1)
    expect(await opens(all[0] as (typeof all)[0], results[0]?.value as Uint8Array)).toBe(true)
    expect(await opens(all[5] as (typeof all)[0], results[5]?.value as Uint8Array)).toBe(true)
    for (const i of [1, 2, 3, 4]) expect(results[i]?.error).toBeInstanceOf(KeyServerError)
    expect(results[1]?.error).toMatchObject({
      code: 'ERR_ACCESS_DENIED',
      status: 403,
      requestId: 'r-1',
    })
    // An item the server could not audit reads as the server being unavailable, never a denial.
    expect(results[2]?.error).toMatchObject({ code: 'ERR_AUDIT_UNAVAILABLE', status: 503 })
    expect(results[3]?.error).toMatchObject({
      code: 'ERR_REQUEST_INVALID',
      status: 400,
      requestId: undefined,
    })
    expect(results[4]?.error).toMatchObject({
      code: 'ERR_INTERNAL',
      serverCode: 'ERR_FROM_THE_FUTURE',
      status: 500,
    })
  })

  it('fails a caller whose re-wrapped share does not open for its object, and no other', async () => {
    const batcher = new ShareBatcher(client)
    const [a, b, c] = objects(3)
    if (a === undefined || b === undefined || c === undefined) throw new Error('no object')
    // The server answers b with the share of c: valid, but bound to another object.
    kas.answer = (call) => {
      const answer = kas.release({ ...call, requests: [a, c, c] })
      return answer
    }
    const [ra, rb, rc] = await Promise.all(
      [a, b, c].map((o) => outcome(batcher.share(o.core, o.jwe, o.binding))),
    )
    expect(await opens(a, ra?.value as Uint8Array)).toBe(true)
    expect(await opens(c, rc?.value as Uint8Array)).toBe(true)
    expect(rb?.error).toBeInstanceOf(ClientError)
    expect(rb?.error).toMatchObject({ code: 'ERR_CLIENT_RESPONSE_INVALID' })
  })

  it('fails exactly the callers of a batch the server refused as a whole', async () => {
    const batcher = new ShareBatcher(client, 3)
    const all = objects(7)
    const failing = all[4]?.jwe
    kas.answer = (call): Answer =>
      call.requests.some((r) => r.jwe === failing)
        ? {
            status: 503,
            body: { code: 'ERR_STORE_UNAVAILABLE', message: 'try later', requestId: 'r-9' },
          }
        : kas.release(call)
    const results = await Promise.all(
      all.map((o) => outcome(batcher.share(o.core, o.jwe, o.binding))),
    )
    expect(kas.calls.map((c) => c.requests.length)).toEqual([3, 3, 1])
    for (const [i, result] of results.entries()) {
      if (i >= 3 && i < 6) {
        expect(result.error, `caller ${i}`).toBeInstanceOf(KeyServerError)
        expect(result.error, `caller ${i}`).toMatchObject({
          code: 'ERR_STORE_UNAVAILABLE',
          status: 503,
          requestId: 'r-9',
        })
      } else {
        expect(
          await opens(all[i] as (typeof all)[0], result.value as Uint8Array),
          `caller ${i}`,
        ).toBe(true)
      }
    }
  })

  it('fails every caller of a batch answered with another number of results', async () => {
    const batcher = new ShareBatcher(client)
    const all = objects(3)
    kas.answer = (call) => kas.release({ ...call, requests: call.requests.slice(0, 2) })
    const results = await Promise.all(
      all.map((o) => outcome(batcher.share(o.core, o.jwe, o.binding))),
    )
    for (const result of results) {
      expect(result.error).toMatchObject({ code: 'ERR_CLIENT_RESPONSE_INVALID' })
    }
  })

  it('fails every caller of a batch that never reached the server with ERR_CLIENT_UNAVAILABLE', async () => {
    const all = objects(3)
    const gone = await startLoopbackKeyServer()
    await gone.close()
    const batcher = new ShareBatcher(new KeyServerClient({ server: gone.url }))
    const results = await Promise.all(
      all.map((o) => outcome(batcher.share(o.core, o.jwe, o.binding))),
    )
    for (const result of results) {
      expect(result.error).toMatchObject({ code: 'ERR_CLIENT_UNAVAILABLE' })
    }
  })
})

describe('abort signals of key requests', () => {
  it('rejects at once for a signal aborted before the call, and sends nothing for it', async () => {
    const batcher = new ShareBatcher(client)
    const [a, b] = objects(2)
    if (a === undefined || b === undefined) throw new Error('no object')
    const reason = new Error('cancelled')
    const aborted = outcome(
      batcher.share(a.core, a.jwe, a.binding, { signal: AbortSignal.abort(reason) }),
    )
    const share = await batcher.share(b.core, b.jwe, b.binding)
    expect((await aborted).error).toBe(reason)
    expect(await opens(b, share)).toBe(true)
    expect(kas.calls.flatMap((c) => c.requests.map((r) => r.jwe))).toEqual([b.jwe])
  })

  it('takes a request aborted while it waits for its batch out of the batch', async () => {
    const batcher = new ShareBatcher(client)
    const [a, b] = objects(2)
    if (a === undefined || b === undefined) throw new Error('no object')
    const controller = new AbortController()
    const aborted = outcome(batcher.share(a.core, a.jwe, a.binding, { signal: controller.signal }))
    const kept = batcher.share(b.core, b.jwe, b.binding)
    controller.abort()
    expect(((await aborted).error as Error).name).toBe('AbortError')
    expect(await opens(b, await kept)).toBe(true)
    expect(kas.calls.map((c) => [c.path, c.requests.map((r) => r.jwe)])).toEqual([
      ['/v1/rewrap', [b.jwe]],
    ])
  })

  it('cancels the HTTP request in flight when its only caller aborts', async () => {
    const batcher = new ShareBatcher(client)
    const [a] = objects(1)
    if (a === undefined) throw new Error('no object')
    kas.answer = () => 'never'
    const controller = new AbortController()
    const pending = outcome(batcher.share(a.core, a.jwe, a.binding, { signal: controller.signal }))
    await receivedCalls(1)
    const reason = new Error('the user went away')
    controller.abort(reason)
    expect((await pending).error).toBe(reason)
    await (kas.calls[0] as KeyRequestCall).closed
  })

  it('keeps a batch in flight while one of its callers still waits, and cancels it when the last gives up', async () => {
    const batcher = new ShareBatcher(client)
    const [a, b, c] = objects(3)
    if (a === undefined || b === undefined || c === undefined) throw new Error('no object')
    const answer = gate()
    kas.answer = async (call) => {
      await answer.opened
      return kas.release(call)
    }
    const controllers = [new AbortController(), new AbortController()]
    const first = outcome(
      batcher.share(a.core, a.jwe, a.binding, { signal: controllers[0]?.signal }),
    )
    const second = outcome(batcher.share(b.core, b.jwe, b.binding))
    await receivedCalls(1)
    controllers[0]?.abort()
    expect(((await first).error as Error).name).toBe('AbortError')
    answer.open()
    const kept = await second
    expect(await opens(b, kept.value as Uint8Array)).toBe(true)
    expect(kas.calls[0]?.isClosed()).toBe(false)

    kas.answer = () => 'never'
    const both = [new AbortController(), new AbortController()]
    const pending = [a, c].map((o, i) =>
      outcome(batcher.share(o.core, o.jwe, o.binding, { signal: both[i]?.signal })),
    )
    await receivedCalls(2)
    both[0]?.abort()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(kas.calls[1]?.isClosed()).toBe(false)
    both[1]?.abort()
    for (const result of await Promise.all(pending)) {
      expect((result.error as Error).name).toBe('AbortError')
    }
    await (kas.calls[1] as KeyRequestCall).closed
  })
})
