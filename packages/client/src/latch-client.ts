import { createReadStream } from 'node:fs'
import type { Readable, Transform, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  createDecryptStream,
  createDecryptTransform,
  createEncryptStream,
  createEncryptTransform,
  createObjectWriter,
  decryptBuffer,
  encryptBuffer,
  type Header,
  type KeyResolver,
  type ObjectWriter,
} from '@latch/format'
import type { CreatePolicyBody, KeySet, PolicyView } from '@latch/protocol'
import { ClientError } from './errors.js'
import { KeyServerClient, type KeyServerClientOptions } from './key-server-client.js'
import { keyServerResolver } from './key-server-resolver.js'
import { NodeKeyServerClient } from './node-key-server-client.js'
import { policyClaim } from './policy-claim.js'
import { writeAtomically } from './write-atomically.js'

/** The policy a new file gets. The caller becomes its owner unless `owner` names another. */
export interface PolicyOptions {
  /** Emails, or `*@domain`, who may decrypt besides the owner. */
  readonly readers?: readonly string[]
  /** When the key stops being released (a `Date` or ISO 8601). */
  readonly expiresAt?: Date | string
  readonly labels?: Readonly<Record<string, string>>
  /** Another owner (admins and service accounts only). */
  readonly owner?: string
  /** Encrypt under an existing policy instead of creating one. */
  readonly policyId?: string
}

/** What every encryption returns: the policy id to keep in the application's database. */
export interface Encrypted {
  readonly policyId: string
  /** base64url object id and header-core hash: what the policy records about the object. */
  readonly objectId: string
  readonly coreHash: string
}

/** What the key server recorded about a stored object. */
export interface RegisteredObject {
  readonly policyId: string
  /** The policy's version after the registration. */
  readonly version: number
  readonly objectId: string
  readonly coreHash: string
}

/**
 * A writer whose policy is settled only once the object is stored (see
 * {@link LatchClient.createDeferredWriter}).
 */
export interface DeferredWriter {
  readonly writer: ObjectWriter
  /** The id in the object's header. */
  readonly policyId: string
  /**
   * Records the stored object on the key server: creates its policy with the object registered
   * (one request), or registers it under the given policy. Call it once the object is stored.
   * @throws KeyServerError; ClientError `ERR_CLIENT_RESPONSE_INVALID` when the server created a
   *   policy with another id (a server that does not know claims).
   */
  register(location?: { bucket?: string; key?: string }): Promise<RegisteredObject>
}

// The server's public keys change only on rotation; five minutes keeps a rotation visible soon
// without a key-server round trip per file.
const KEYS_TTL_MS = 5 * 60_000

/**
 * Encrypts and decrypts under Latch policies: buffers, Node streams, Web streams and files. Each
 * encryption creates the file's policy on the key server (or uses a given one) and wraps a fresh
 * data key to the server's current public key; each decryption asks the server to re-wrap the
 * key to a throw-away key, which it does only for the owner and readers, after auditing.
 *
 * @example
 * ```ts
 * const latch = LatchClient.fromEnv()          // LATCH_SERVER, LATCH_TOKEN
 * const { object, policyId } = await latch.encrypt(data, { readers: ['bob@example.com'] })
 * const plain = await latch.decrypt(object)
 * ```
 */
export class LatchClient {
  readonly keyServer: KeyServerClient
  #keys: { set: Promise<KeySet>; at: number } | undefined
  #resolver: { kasId: string; resolve: KeyResolver } | undefined

  constructor(options: KeyServerClientOptions | KeyServerClient) {
    this.keyServer = options instanceof KeyServerClient ? options : new NodeKeyServerClient(options)
  }

  /** A client configured from `LATCH_SERVER` and `LATCH_TOKEN`. */
  static fromEnv(env: Record<string, string | undefined> = process.env): LatchClient {
    return new LatchClient(NodeKeyServerClient.fromEnv(env))
  }

  /** The key server's public keys, cached for five minutes. */
  keys(): Promise<KeySet> {
    if (this.#keys === undefined || Date.now() - this.#keys.at > KEYS_TTL_MS) {
      const set = this.keyServer.keys()
      this.#keys = { set, at: Date.now() }
      set.catch(() => {
        this.#keys = undefined
      })
    }
    return this.#keys.set
  }

  /** Creates the policy of a new file (or reads the given one). */
  async policyFor(options: PolicyOptions = {}): Promise<PolicyView> {
    if (options.policyId !== undefined) {
      return this.keyServer.getPolicy(options.policyId, { objects: false })
    }
    return this.keyServer.createPolicy(policyBodyOf(options))
  }

  /**
   * A writer for one new object under a policy: the header up front, segments in any order
   * (multipart uploads encrypt parts in parallel with it).
   */
  async createWriter(
    options: PolicyOptions = {},
  ): Promise<{ writer: ObjectWriter; policy: PolicyView }> {
    const [set, policy] = await Promise.all([this.keys(), this.policyFor(options)])
    return { writer: this.#writerFor(policy.id, set), policy }
  }

  #writerFor(policyId: string, set: KeySet): ObjectWriter {
    const key = set.keys.find((k) => k.kid === set.current)
    if (key === undefined) {
      throw new ClientError(
        'ERR_CLIENT_RESPONSE_INVALID',
        'the key server publishes no current key',
      )
    }
    return createObjectWriter({
      policyId,
      shares: [[{ kasId: set.kasId, kid: key.kid, publicKey: key }]],
    })
  }

  /**
   * A writer for one new object whose new policy is created by {@link DeferredWriter.register},
   * together with the object's registration: one key-server round trip per object instead of two
   * (the keys are cached). Call it before writing the object, so a refusal leaves the store
   * untouched. The id comes from a secret claim
   * only this writer holds, so nobody who reads the header before the policy exists can create
   * it. Until `register` succeeds no key is released for the object: a writer that never
   * registers leaves an object nobody can decrypt. Under a given `policyId` the policy is read
   * first and the object registered after, as {@link LatchClient.createWriter} does.
   */
  async createDeferredWriter(options: PolicyOptions = {}): Promise<DeferredWriter> {
    if (options.policyId !== undefined) {
      const { writer, policy } = await this.createWriter(options)
      return {
        writer,
        policyId: policy.id,
        register: (location) => this.registerObject(policy.id, writer, location),
      }
    }
    const { claim, policyId } = policyClaim()
    const writer = this.#writerFor(policyId, await this.keys())
    const register = async (location: { bucket?: string; key?: string } = {}) => {
      const { objectId, coreHash } = describe(writer, policyId)
      const policy = await this.keyServer.createPolicy({
        ...policyBodyOf(options),
        claim,
        object: { objectId, coreHash, ...location },
      })
      if (policy.id !== policyId) {
        throw new ClientError(
          'ERR_CLIENT_RESPONSE_INVALID',
          'the key server created the policy under another id: does it take claims?',
        )
      }
      return { policyId, version: policy.version, objectId, coreHash }
    }
    return { writer, policyId, register }
  }

  /** Encrypts a buffer as one Latch object. */
  async encrypt(
    data: Uint8Array,
    options: PolicyOptions = {},
  ): Promise<Encrypted & { object: Uint8Array }> {
    const { writer, policy } = await this.createWriter(options)
    return { object: encryptBuffer(writer, data), ...describe(writer, policy.id) }
  }

  /** Decrypts a whole Latch object held in memory. */
  async decrypt(object: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    return decryptBuffer(object, await this.keyResolver(), options)
  }

  /** A Node transform that encrypts what flows through it under a new (or given) policy. */
  async encryptTransform(
    options: PolicyOptions = {},
  ): Promise<Encrypted & { transform: Transform; headerSize: number }> {
    const { writer, policy } = await this.createWriter(options)
    return {
      transform: createEncryptTransform(writer),
      headerSize: writer.header.length,
      ...describe(writer, policy.id),
    }
  }

  /** A Node transform that decrypts a Latch object, releasing only verified segments. */
  async decryptTransform(options: { signal?: AbortSignal } = {}): Promise<Transform> {
    return createDecryptTransform(await this.keyResolver(), options)
  }

  /** A Web `TransformStream` that encrypts under a new (or given) policy. */
  async encryptWebStream(
    options: PolicyOptions = {},
  ): Promise<Encrypted & { stream: TransformStream<Uint8Array, Uint8Array> }> {
    const { writer, policy } = await this.createWriter(options)
    return { stream: createEncryptStream(writer), ...describe(writer, policy.id) }
  }

  /** A Web `TransformStream` that decrypts a Latch object. */
  async decryptWebStream(
    options: { signal?: AbortSignal } = {},
  ): Promise<TransformStream<Uint8Array, Uint8Array>> {
    return createDecryptStream(await this.keyResolver(), options)
  }

  /**
   * Encrypts a file (or a readable) to a file. The output appears only when complete: it is
   * written to a temporary file beside it and renamed.
   */
  async encryptFile(
    input: string | Readable,
    output: string,
    options: PolicyOptions & { signal?: AbortSignal } = {},
  ): Promise<Encrypted> {
    const {
      transform,
      headerSize: _headerSize,
      ...encrypted
    } = await this.encryptTransform(options)
    const source = typeof input === 'string' ? createReadStream(input) : input
    await writeAtomically(output, (sink) => pipeline(source, transform, sink, signalOf(options)))
    return encrypted
  }

  /**
   * Decrypts a file (or a readable) to a file (or a writable). A file output appears only once
   * every segment verified; a tampered or truncated object leaves nothing behind.
   */
  async decryptFile(
    input: string | Readable,
    output: string | Writable,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const source =
      typeof input === 'string' ? createReadStream(input, { highWaterMark: 65_552 }) : input
    const transform = await this.decryptTransform(options)
    if (typeof output !== 'string') {
      await pipeline(source, transform, output, signalOf(options))
      return
    }
    await writeAtomically(output, (sink) => pipeline(source, transform, sink, signalOf(options)))
  }

  /**
   * The key resolver for this client's key server: what the format's decryptors call with a
   * parsed header. Objects written to other key servers fail with `ERR_CLIENT_RESPONSE_INVALID`.
   */
  async keyResolver(): Promise<KeyResolver> {
    const { kasId } = await this.keys()
    // One resolver per client, so that key requests of concurrent downloads share batches.
    if (this.#resolver?.kasId !== kasId) {
      this.#resolver = { kasId, resolve: keyServerResolver({ [kasId]: this.keyServer }) }
    }
    return this.#resolver.resolve
  }

  /** Records an object under its policy once it is stored (its bucket and key, both, when in S3). */
  async registerObject(
    policyId: string,
    header: Pick<Header, 'core' | 'coreHash'> | Encrypted,
    location: { bucket?: string; key?: string } = {},
  ): Promise<RegisteredObject> {
    const ids =
      'objectId' in header && typeof header.objectId === 'string'
        ? { objectId: header.objectId, coreHash: header.coreHash as string }
        : {
            objectId: Buffer.from((header as Header).core.objectId).toString('base64url'),
            coreHash: Buffer.from((header as Header).coreHash).toString('base64url'),
          }
    return this.keyServer.addPolicyObject(policyId, { ...ids, ...location })
  }
}

/** The body of `POST /v1/policies` for these options (without a claim). */
function policyBodyOf(options: PolicyOptions): CreatePolicyBody {
  const expiresAt =
    options.expiresAt instanceof Date ? options.expiresAt.toISOString() : options.expiresAt
  return {
    ...(options.readers === undefined ? {} : { readers: [...options.readers] }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(options.labels === undefined ? {} : { labels: { ...options.labels } }),
    ...(options.owner === undefined ? {} : { owner: options.owner }),
  }
}

function describe(writer: ObjectWriter, policyId: string): Encrypted {
  return {
    policyId,
    objectId: Buffer.from(writer.core.objectId).toString('base64url'),
    coreHash: Buffer.from(writer.coreHash).toString('base64url'),
  }
}

function signalOf(options: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal }
}
