import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient } from '@latch/client'
import {
  createObjectWriter,
  encryptBuffer,
  generateX25519KeyPair,
  openShare,
  parseHeader,
  shareBindingOf,
} from '@latch/format'
import { openPostgresStore } from '@latch/server'
import { type ServerProcess, startServerProcess } from './cli-process.js'

// Several `latch server` processes on one PostgreSQL database, and what the tests need around
// them: users, a policy with an object, prepared key requests, and the audit chain as written.

/** A `latch server` process of a group that shares one database. */
export interface Instance extends ServerProcess {
  readonly name: string
  readonly dir: string
}

/** Instances on one database, the shared root key and the first admin's token. */
export interface InstanceGroup {
  readonly database: string
  readonly instances: Instance[]
  readonly adminToken: string
  /** The data directories that received an `admin.token` (exactly one). */
  readonly adminTokenFiles: number
  /** Starts one more instance on the same database (a replacement). */
  start(name: string): Promise<Instance>
  /** SIGKILLs what is still running and deletes the data directories. */
  close(): Promise<void>
}

/**
 * Starts `names.length` instances on `database` at the same moment (the start-up lock makes
 * that safe), with one root key through `LATCH_ROOT_KEY` and the rate limit out of the way.
 */
export async function startInstances(
  database: string,
  names: readonly string[],
  extra: readonly string[] = [],
): Promise<InstanceGroup> {
  const env = { LATCH_ROOT_KEY: randomBytes(32).toString('hex') }
  const dirs: string[] = []
  const all: Instance[] = []
  const start = async (name: string): Promise<Instance> => {
    const dir = mkdtempSync(join(tmpdir(), `latch-${name}-`))
    dirs.push(dir)
    const server = await startServerProcess(
      dir,
      ['--database', database, '--rate-limit', '1000000000', ...extra],
      env,
    )
    const instance = Object.assign(server, { name, dir })
    all.push(instance)
    return instance
  }
  const instances = await Promise.all(names.map(start))
  const withToken = dirs.filter((d) => existsSync(join(d, 'admin.token')))
  return {
    database,
    instances,
    adminToken: readFileSync(join(withToken[0] as string, 'admin.token'), 'utf8').trim(),
    adminTokenFiles: withToken.length,
    start,
    async close() {
      for (const instance of all) instance.child.kill('SIGKILL')
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** One prepared `POST /v1/rewrap` of a reader, and how to check what it got back. */
export interface PreparedRead {
  readonly reader: string
  readonly headers: Record<string, string>
  readonly body: string
  /** Whether a 200 answer's JWE opens with this reader's throw-away key (a real key). */
  opens(jwe: string): boolean
}

/** A policy readable by some readers, with one registered object. */
export interface ReleaseFixture {
  readonly policyId: string
  /** The owner's client, through `url` (its calls record their `x-request-id`). */
  ownerOn(url: string): TrackedClient
  /** An admin client through `url`. */
  adminOn(url: string): TrackedClient
  readonly reads: readonly PreparedRead[]
}

/** A key-server client that remembers the `x-request-id` of its last answer. */
export interface TrackedClient {
  readonly client: KeyServerClient
  lastRequestId(): string
}

/** Tracks the request id of the last answer of a client (one call at a time). */
export function trackedClient(url: string, token: string): TrackedClient {
  let requestId = ''
  const client = new KeyServerClient({
    server: url,
    token,
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      requestId = response.headers.get('x-request-id') ?? ''
      return response
    },
  })
  return { client, lastRequestId: () => requestId }
}

/**
 * Creates the owner `NAME-owner@example.com` and `readers` users, a policy naming them, and one
 * object in `s3://hr/payroll/…` encrypted to the current wrap key and registered with the policy.
 */
export async function prepareFixture(
  url: string,
  adminToken: string,
  name: string,
  readers: number,
): Promise<ReleaseFixture> {
  const admin = new KeyServerClient({ server: url, token: adminToken })
  const ownerToken = (await admin.createUser(`${name}-owner@example.com`)).token
  const owner = new KeyServerClient({ server: url, token: ownerToken })
  const people = await Promise.all(
    Array.from({ length: readers }, async (_, i) => {
      const email = `${name}-reader${i}@example.com`
      return { email, token: (await admin.createUser(email)).token }
    }),
  )
  const policy = await owner.createPolicy({ readers: people.map((p) => p.email) })
  const keys = await owner.keys()
  const jwk = keys.keys.find((k) => k.kid === keys.current)
  if (jwk === undefined) throw new Error('no current wrap key')
  const object = encryptBuffer(
    createObjectWriter({
      policyId: policy.id,
      shares: [[{ kasId: keys.kasId, kid: jwk.kid, publicKey: jwk }]],
    }),
    Buffer.from('payroll'),
  )
  const header = parseHeader(object)
  await owner.addPolicyObject(policy.id, {
    objectId: Buffer.from(header.core.objectId).toString('base64url'),
    coreHash: Buffer.from(header.coreHash).toString('base64url'),
    bucket: 'hr',
    key: 'payroll/2026/jan.pdf',
  })
  const entry = header.entries[0]
  if (entry === undefined) throw new Error('no key entry')
  const binding = shareBindingOf(header.coreBytes, 1, 1)
  const reads = people.map((person): PreparedRead => {
    const pair = generateX25519KeyPair()
    return {
      reader: person.email,
      headers: { authorization: `Bearer ${person.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        core: Buffer.from(header.coreBytes).toString('base64url'),
        jwe: entry.jwe,
        clientKey: { kty: 'OKP', crv: 'X25519', x: pair.publicKey.export({ format: 'jwk' }).x },
      }),
      opens(jwe) {
        try {
          openShare(jwe, pair.privateKey, binding)
          return true
        } catch {
          return false
        }
      },
    }
  })
  return {
    policyId: policy.id,
    ownerOn: (at) => trackedClient(at, ownerToken),
    adminOn: (at) => trackedClient(at, adminToken),
    reads,
  }
}

/** What one key request got: the status, the request id, and whether a real key came back. */
export interface ReadOutcome {
  readonly status: number
  readonly requestId: string
  readonly released: boolean
}

// node:http with keep-alive: measured here at two thirds of fetch's time per request.
const agent = new Agent({ keepAlive: true })

/** Sends one prepared key request; a connection failure is status 0. */
export function sendRead(url: string, read: PreparedRead): Promise<ReadOutcome> {
  return new Promise((resolve) => {
    const failed = () => resolve({ status: 0, requestId: '', released: false })
    const req = request(
      `${url}/v1/rewrap`,
      { method: 'POST', headers: read.headers, agent },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          text += chunk
        })
        response.on('error', failed)
        response.on('end', () => {
          const status = response.statusCode ?? 0
          let jwe: string | undefined
          try {
            jwe = (JSON.parse(text) as { jwe?: string }).jwe
          } catch {
            jwe = undefined
          }
          resolve({
            status,
            requestId: String(response.headers['x-request-id'] ?? ''),
            released: status === 200 && jwe !== undefined && read.opens(jwe),
          })
        })
      },
    )
    req.on('error', failed)
    req.end(read.body)
  })
}

/** One audit record as the chain holds it (the members the tests read). */
export interface ChainRecord {
  readonly seq: number
  readonly type: string
  readonly request_id?: string
  readonly policy_id?: string
  readonly reason?: string
  readonly rule_id?: string
}

/** Every record of the database's audit chain, in chain order. */
export async function readChain(database: string): Promise<ChainRecord[]> {
  const store = await openPostgresStore({
    url: database,
    poolSize: 1,
    tailBounds: { maxUnsignedRecords: 1e9, maxUnsignedAgeMs: 1e12 },
  })
  const records: ChainRecord[] = []
  try {
    for await (const row of store.iterateAudit(0)) {
      records.push(JSON.parse(Buffer.from(row.recordBytes).toString('utf8')) as ChainRecord)
    }
  } finally {
    await store.close()
  }
  return records
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
