// The test page of the browser interop test: encrypts a Blob under a new policy with the web
// builds of @latch/format and @latch/client (the key server reached through the page's own
// origin, /kas), and decrypts an object fetched from /files with the key server's re-wrap.
import { KeyServerClient, keyServerResolver } from '@latch/client/web'
import { createObjectWriter, decryptToStream, encryptToStream } from '@latch/format/web'

function clientFor(token: string): KeyServerClient {
  const { origin } = (globalThis as unknown as { location: { origin: string } }).location
  return new KeyServerClient({ server: `${origin}/kas`, token })
}

// A reader loop, not `new Response(stream).arrayBuffer()`: that rejects with a bare TypeError
// and loses the stream's own error.
async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let length = 0
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    parts.push(value)
    length += value.length
  }
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

function base64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

function base64url(bytes: Uint8Array): string {
  return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Encrypts `size` pattern bytes (byte i = i mod 251) as a File; resolves to the object, base64. */
async function encryptInPage(token: string, size: number): Promise<string> {
  const client = clientFor(token)
  const [set, policy] = await Promise.all([client.keys(), client.createPolicy({})])
  const key = set.keys.find((k) => k.kid === set.current)
  if (key === undefined) throw new Error('no current key')
  const writer = await createObjectWriter({
    policyId: policy.id,
    shares: [[{ kasId: set.kasId, kid: key.kid, publicKey: key }]],
  })
  const plain = new Uint8Array(size)
  for (let i = 0; i < size; i++) plain[i] = i % 251
  const object = await collect(encryptToStream(writer, new File([plain], 'claim.txt')))
  await client.addPolicyObject(policy.id, {
    objectId: base64url(writer.core.objectId),
    coreHash: base64url(writer.coreHash),
  })
  return base64(object)
}

/** Downloads `/files/<name>` and decrypts it in the page; resolves to the plaintext, base64. */
async function decryptInPage(token: string, name: string): Promise<string> {
  const client = clientFor(token)
  const { kasId } = await client.keys()
  const response = await fetch(`/files/${name}`)
  if (response.body === null) throw new Error('no body')
  const resolver = keyServerResolver({ [kasId]: client })
  try {
    return base64(await collect(decryptToStream(response.body, resolver)))
  } catch (error) {
    const { code, cause } = error as { code?: string; cause?: unknown }
    return `error: ${code ?? `${String(error)} ${String(cause)}`}`
  }
}

Object.assign(globalThis, { encryptInPage, decryptInPage })
