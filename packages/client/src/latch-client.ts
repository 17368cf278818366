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
  importX25519PublicKey,
  type KeyResolver,
  type KeyServerRecipient,
  type ObjectWriter,
} from '@latch/format'
import type { CreatePolicyBody, KeySet, PolicyView } from '@latch/protocol'
import { ClientError } from './errors.js'
import { KeyServerClient, type KeyServerClientOptions } from './key-server-client.js'
import { keyServerResolver } from './key-server-resolver.js'
import { NodeKeyServerClient } from './node-key-server-client.js'
import { PolicyBatcher } from './policy-batcher.js'
import { policyClaim, splitPolicyClaim } from './policy-claim.js'
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

/** Options of {@link LatchClient} besides its key server. */
export interface LatchClientOptions {
  /**
   * A second key server: each new file's key is split in two shares, one wrapped to each
   * server, and reading it needs both (see {@link LatchClient.split}).
   */
  readonly splitWith?: KeyServerClientOptions | KeyServerClient
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
  /** The policy's version after the registration (on the first key server of a split). */
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
   * An abort of `options.signal` stops waiting for a new policy's creation (see
   * `PolicyBatcher.create`); a registration under a given policy is not cancelled.
   * @throws KeyServerError; ClientError `ERR_CLIENT_RESPONSE_INVALID` when the server created a
   *   policy with another id (a server that does not know claims); the signal's reason.
   */
  register(
    location?: { bucket?: string; key?: string },
    options?: { readonly signal?: AbortSignal | undefined },
  ): Promise<RegisteredObject>
}

/** The members of `POST /v1/policies` that claim its id: the claim, and for a split the peer's. */
type ClaimPart = Pick<CreatePolicyBody, 'claim' | 'split'>

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
  /** The key server (the first one, when files are split). */
  readonly keyServer: KeyServerClient
  /** Every key server a new file's key is wrapped to: one, or two for split files. */
  readonly keyServers: readonly KeyServerClient[]
  readonly #keys = new Map<KeyServerClient, { set: Promise<KeySet>; at: number }>()
  // One per key server, so that objects written at once share their creation requests.
  readonly #batchers = new Map<KeyServerClient, PolicyBatcher>()
  #resolver: { kasIds: string; resolve: KeyResolver } | undefined

  constructor(
    keyServer: KeyServerClientOptions | KeyServerClient,
    options: LatchClientOptions = {},
  ) {
    this.keyServer = clientOf(keyServer)
    this.keyServers =
      options.splitWith === undefined
        ? [this.keyServer]
        : [this.keyServer, clientOf(options.splitWith)]
  }

  /**
   * A client that splits each new file's key between two independently run key servers: share 1
   * is wrapped to `first`, share 2 to `second`, and the data key is their XOR (format §4). Each
   * server keeps its own copy of the file's policy (one id on both), decides and audits on its
   * own, so a revocation or lockdown on either denies the file, and neither server's keys and
   * database alone can decrypt it. Reading needs a token each server accepts.
   *
   * @example
   * ```ts
   * const latch = LatchClient.split(
   *   { server: 'https://kas-a.example', token: tokenA },
   *   { server: 'https://kas-b.example', token: tokenB },
   * )
   * ```
   */
  static split(
    first: KeyServerClientOptions | KeyServerClient,
    second: KeyServerClientOptions | KeyServerClient,
  ): LatchClient {
    return new LatchClient(first, { splitWith: second })
  }

  /** A client configured from `LATCH_SERVER` and `LATCH_TOKEN`. */
  static fromEnv(env: Record<string, string | undefined> = process.env): LatchClient {
    return new LatchClient(NodeKeyServerClient.fromEnv(env))
  }

  /** Whether new files are split across two key servers. */
  get split(): boolean {
    return this.keyServers.length > 1
  }

  /** The key server's public keys, cached for five minutes. */
  keys(): Promise<KeySet> {
    return this.#keysOf(this.keyServer)
  }

  #keysOf(server: KeyServerClient): Promise<KeySet> {
    const cached = this.#keys.get(server)
    if (cached !== undefined && Date.now() - cached.at <= KEYS_TTL_MS) return cached.set
    const set = server.keys()
    this.#keys.set(server, { set, at: Date.now() })
    set.catch(() => {
      this.#keys.delete(server)
    })
    return set
  }

  /**
   * Every key server's public keys, in share order.
   * @throws ClientError `ERR_CLIENT_CONFIG_INVALID` when the two servers of a split share a
   *   `kasId` (the same server twice, or one not given its own `--kas-id`).
   */
  async #keySets(): Promise<KeySet[]> {
    const sets = await Promise.all(this.keyServers.map((server) => this.#keysOf(server)))
    if (sets.length > 1 && sets[0]?.kasId === sets[1]?.kasId) {
      throw new ClientError(
        'ERR_CLIENT_CONFIG_INVALID',
        `both key servers of the split call themselves "${sets[0]?.kasId}": a split needs two servers, each started with its own --kas-id`,
      )
    }
    return sets
  }

  /**
   * Creates the policy of a new file (or reads the given one). A split client creates it on both
   * key servers under one id (or reads it from both) and returns the first server's view.
   */
  async policyFor(options: PolicyOptions = {}): Promise<PolicyView> {
    if (options.policyId !== undefined) {
      const id = options.policyId
      const views = await Promise.all(
        this.keyServers.map((server) => server.getPolicy(id, { objects: false })),
      )
      return views[0] as PolicyView
    }
    if (!this.split) return this.keyServer.createPolicy(policyBodyOf(options))
    return this.#createClaimed(policyBodyOf(options), this.#claimsFor(await this.#keySets()))
  }

  /**
   * A writer for one new object under a policy: the header up front, segments in any order
   * (multipart uploads encrypt parts in parallel with it).
   */
  async createWriter(
    options: PolicyOptions = {},
  ): Promise<{ writer: ObjectWriter; policy: PolicyView }> {
    const [sets, policy] = await Promise.all([this.#keySets(), this.policyFor(options)])
    return { writer: writerFor(policy.id, sets), policy }
  }

  /**
   * A writer for one new object whose new policy is created by {@link DeferredWriter.register},
   * together with the object's registration: one key-server round trip per object instead of two
   * (the keys are cached). Call it before writing the object, so a refusal leaves the store
   * untouched. The id comes from a secret claim
   * only this writer holds, so nobody who reads the header before the policy exists can create
   * it. Until `register` succeeds no key is released for the object: a writer that never
   * registers leaves an object nobody can decrypt. Under a given `policyId` the policy is read
   * first and the object registered after, as {@link LatchClient.createWriter} does. A split
   * client sends each request to both key servers at once.
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
    const sets = await this.#keySets()
    const claims = this.#claimsFor(sets)
    const { policyId } = claims
    const writer = writerFor(policyId, sets)
    const register = async (
      location: { bucket?: string; key?: string } = {},
      { signal }: { readonly signal?: AbortSignal | undefined } = {},
    ) => {
      const { objectId, coreHash } = describe(writer, policyId)
      const body = { ...policyBodyOf(options), object: { objectId, coreHash, ...location } }
      const { version } = await this.#createClaimed(body, claims, signal)
      return { policyId, version, objectId, coreHash }
    }
    return { writer, policyId, register }
  }

  /** Fresh claims on a new policy id: one for a lone key server, one per server of a split. */
  #claimsFor(sets: readonly KeySet[]): { policyId: string; parts: readonly ClaimPart[] } {
    if (!this.split) {
      const { claim, policyId } = policyClaim()
      return { policyId, parts: [{ claim }] }
    }
    return splitPolicyClaim(kasIdsOf(sets))
  }

  /** Creates the policy under the claimed id on every key server at once: the first one's view. */
  async #createClaimed(
    body: CreatePolicyBody,
    claims: { policyId: string; parts: readonly ClaimPart[] },
    signal?: AbortSignal,
  ): Promise<PolicyView> {
    const { object } = body
    const views = await Promise.all(
      this.keyServers.map((server, i) => {
        const request = { ...body, ...claims.parts[i] }
        const { claim } = request
        // With its object, a creation may share a batch with other objects written at once.
        return object === undefined || claim === undefined
          ? server.createPolicy(request, { signal })
          : this.#batcherOf(server).create({ ...request, claim, object }, { signal })
      }),
    )
    assertPolicyIds(views, claims.policyId)
    return views[0] as PolicyView
  }

  #batcherOf(server: KeyServerClient): PolicyBatcher {
    let batcher = this.#batchers.get(server)
    if (batcher === undefined) {
      batcher = new PolicyBatcher(server, { schedule: (task) => setImmediate(task) })
      this.#batchers.set(server, batcher)
    }
    return batcher
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
   * The key resolver for this client's key servers: what the format's decryptors call with a
   * parsed header. Objects whose shares name other key servers fail with
   * `ERR_CLIENT_CONFIG_INVALID`.
   */
  async keyResolver(): Promise<KeyResolver> {
    const sets = await this.#keySets()
    const kasIds = sets.map((set) => set.kasId).join(' ')
    // One resolver per client, so that key requests of concurrent downloads share batches.
    if (this.#resolver?.kasIds !== kasIds) {
      const servers = Object.fromEntries(sets.map((set, i) => [set.kasId, this.keyServers[i]]))
      this.#resolver = {
        kasIds,
        resolve: keyServerResolver(servers as Record<string, KeyServerClient>),
      }
    }
    return this.#resolver.resolve
  }

  /**
   * Records an object under its policy once it is stored (its bucket and key, both, when in S3),
   * on every key server of a split.
   */
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
    const added = await Promise.all(
      this.keyServers.map((server) => server.addPolicyObject(policyId, { ...ids, ...location })),
    )
    return added[0] as RegisteredObject
  }
}

function clientOf(options: KeyServerClientOptions | KeyServerClient): KeyServerClient {
  return options instanceof KeyServerClient ? options : new NodeKeyServerClient(options)
}

// Each key set's current key, imported once: the sets are cached (KEYS_TTL_MS), so every file
// written in that time reuses the same key object instead of importing the JWK again.
const recipients = new WeakMap<KeySet, KeyServerRecipient>()

/** A writer that wraps one share to each key server (`sets` in share order). */
function writerFor(policyId: string, sets: readonly KeySet[]): ObjectWriter {
  return createObjectWriter({ policyId, shares: sets.map((set) => [recipientOf(set)]) })
}

function recipientOf(set: KeySet): KeyServerRecipient {
  const cached = recipients.get(set)
  if (cached !== undefined) return cached
  const key = set.keys.find((k) => k.kid === set.current)
  if (key === undefined) {
    throw new ClientError(
      'ERR_CLIENT_RESPONSE_INVALID',
      `the key server ${set.kasId} publishes no current key`,
    )
  }
  const recipient = { kasId: set.kasId, kid: key.kid, publicKey: importX25519PublicKey(key) }
  recipients.set(set, recipient)
  return recipient
}

function kasIdsOf(sets: readonly KeySet[]): [string, string] {
  return [sets[0]?.kasId ?? '', sets[1]?.kasId ?? '']
}

function assertPolicyIds(views: readonly PolicyView[], policyId: string): void {
  if (views.some((view) => view.id !== policyId)) {
    throw new ClientError(
      'ERR_CLIENT_RESPONSE_INVALID',
      'the key server created the policy under another id: does it take claims?',
    )
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
