import {
  createDecryptStream,
  createObjectWriter,
  decryptBuffer,
  encryptBuffer,
  type KeyServerRecipient,
} from '@latch/format'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  ClientError,
  KeyServerClient,
  KeyServerError,
  keyServerResolver,
  LatchClient,
} from '../src/index.js'
import {
  type KeyRequestCall,
  type LoopbackKeyServer,
  startLoopbackKeyServer,
} from './helpers/loopback-key-server.js'

let a: LoopbackKeyServer
let b: LoopbackKeyServer

beforeEach(async () => {
  ;[a, b] = await Promise.all([startLoopbackKeyServer('kas-a'), startLoopbackKeyServer('kas-b')])
})

afterEach(async () => {
  await Promise.all([a.close(), b.close()])
})

const clientOf = (kas: LoopbackKeyServer) =>
  new KeyServerClient({ server: kas.url, timeoutMs: 10_000 })

function encrypt(shares: KeyServerRecipient[][], text: string): Uint8Array {
  return encryptBuffer(createObjectWriter({ policyId: 'p-1', shares }), Buffer.from(text))
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('it succeeded'),
    (error: unknown) => error,
  )
}

async function receivedCalls(kas: LoopbackKeyServer, n: number): Promise<void> {
  while (kas.calls.length < n) await new Promise((resolve) => setTimeout(resolve, 5))
}

describe('keyServerResolver', () => {
  it('asks each share of an object from its key server and combines them', async () => {
    const resolve = keyServerResolver({ 'kas-a': clientOf(a), 'kas-b': clientOf(b) })
    const object = encrypt([[a.recipient], [b.recipient]], 'two shares')
    expect(Buffer.from(await decryptBuffer(object, resolve)).toString()).toBe('two shares')
    expect([a.calls.length, b.calls.length]).toEqual([1, 1])
  })

  it('asks a server it knows when a share has alternatives', async () => {
    const resolve = keyServerResolver({ 'kas-b': clientOf(b) })
    const object = encrypt([[a.recipient, b.recipient]], 'either server')
    expect(Buffer.from(await decryptBuffer(object, resolve)).toString()).toBe('either server')
    expect([a.calls.length, b.calls.length]).toEqual([0, 1])
  })

  it('sends the key requests of objects read at once in one batch per server', async () => {
    const resolve = keyServerResolver({ 'kas-a': clientOf(a), 'kas-b': clientOf(b) })
    const texts = Array.from({ length: 5 }, (_, i) => `object ${i}`)
    const plain = await Promise.all(
      texts.map((text) => decryptBuffer(encrypt([[a.recipient], [b.recipient]], text), resolve)),
    )
    expect(plain.map((p) => Buffer.from(p).toString())).toEqual(texts)
    expect(a.calls.map((c) => [c.path, c.requests.length])).toEqual([['/v1/rewrap/batch', 5]])
    expect(b.calls.map((c) => [c.path, c.requests.length])).toEqual([['/v1/rewrap/batch', 5]])
  })

  it('fails an object with a share no configured server holds before asking for any share', async () => {
    const resolve = keyServerResolver({ 'kas-a': clientOf(a) })
    const object = encrypt([[a.recipient], [b.recipient]], 'half known')
    const error = await failure(decryptBuffer(object, resolve))
    expect(error).toBeInstanceOf(ClientError)
    expect(error).toMatchObject({ code: 'ERR_CLIENT_CONFIG_INVALID' })
    expect((error as Error).message).toContain('share 2')
    // Wait past the batcher's turn: a request sent for share 1 would show up here.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(a.calls).toEqual([])
  })

  it('fails with the denial of one share when the other is released', async () => {
    b.answer = (call) =>
      b.release(call, () => ({ code: 'ERR_ACCESS_DENIED', message: 'access denied' }))
    const resolve = keyServerResolver({ 'kas-a': clientOf(a), 'kas-b': clientOf(b) })
    const error = await failure(
      decryptBuffer(encrypt([[a.recipient], [b.recipient]], 'x'), resolve),
    )
    expect(error).toBeInstanceOf(KeyServerError)
    expect(error).toMatchObject({ code: 'ERR_ACCESS_DENIED', status: 403 })
    expect(a.calls).toHaveLength(1)
  })

  it('cancels the key request in flight when the decryption is aborted', async () => {
    a.answer = () => 'never'
    const resolve = keyServerResolver({ 'kas-a': clientOf(a) })
    const controller = new AbortController()
    const started = Date.now()
    const pending = failure(
      decryptBuffer(encrypt([[a.recipient]], 'never'), resolve, { signal: controller.signal }),
    )
    await receivedCalls(a, 1)
    const reason = new Error('cancelled by the caller')
    controller.abort(reason)
    expect(await pending).toBe(reason)
    // Well within the client's 10 s time-out: the abort, not the time-out, ended it.
    expect(Date.now() - started).toBeLessThan(5_000)
    await (a.calls[0] as KeyRequestCall).closed
  })

  it('cancels the key request of a decrypting stream when its signal aborts', async () => {
    a.answer = () => 'never'
    const resolve = keyServerResolver({ 'kas-a': clientOf(a) })
    const controller = new AbortController()
    const object = encrypt([[a.recipient]], 'streamed')
    const stream = new Blob([object])
      .stream()
      .pipeThrough(createDecryptStream(resolve, { signal: controller.signal }))
    const pending = failure(new Response(stream).arrayBuffer())
    await receivedCalls(a, 1)
    controller.abort()
    expect(((await pending) as Error).name).toBe('AbortError')
    await (a.calls[0] as KeyRequestCall).closed
  })
})

describe('LatchClient', () => {
  it('decrypts 1,000 small objects read at once in at most 10 round trips to the key server', async () => {
    const latch = new LatchClient({ server: a.url, timeoutMs: 30_000 })
    const texts = Array.from({ length: 1000 }, (_, i) => `small object ${i}`)
    const objects = texts.map((text) => encrypt([[a.recipient]], text))
    const plain = await Promise.all(objects.map((object) => latch.decrypt(object)))
    expect(plain.map((p) => Buffer.from(p).toString())).toEqual(texts)
    expect(a.calls.length).toBeLessThanOrEqual(10)
    expect(a.calls.reduce((sum, call) => sum + call.requests.length, 0)).toBe(1000)
  })

  it('passes the abort signal of decrypt() to its key request', async () => {
    const latch = new LatchClient({ server: a.url, timeoutMs: 10_000 })
    const object = encrypt([[a.recipient]], 'via the client')
    expect(Buffer.from(await latch.decrypt(object)).toString()).toBe('via the client')
    a.answer = () => 'never'
    const controller = new AbortController()
    const pending = failure(latch.decrypt(object, { signal: controller.signal }))
    await receivedCalls(a, 2)
    controller.abort()
    expect(((await pending) as Error).name).toBe('AbortError')
    await (a.calls[1] as KeyRequestCall).closed
  })
})
