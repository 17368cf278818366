import { Agent, request } from 'node:http'
import { KeyServerClient } from '@latch/client'
import { parseHeader } from '@latch/format'
import { openPostgresStore } from '@latch/server'
import { type PreparedRewrap, prepareRewrap, registerObject } from '@latch/testkit/release-fixture'

// What the tests of several `latch server` processes on one PostgreSQL database (started with
// `startInstances` of `@latch/testkit/key-server-process`) need around them: users, a policy with
// an object, prepared key requests, and the audit chain as written.

/** One prepared `POST /v1/rewrap` of a reader, and how to check what it got back. */
export interface PreparedRead extends PreparedRewrap {
  readonly reader: string
}

/** A policy readable by some readers, with one registered object. */
export interface ReadersFixture {
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
): Promise<ReadersFixture> {
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
  const object = await registerObject(
    owner,
    await owner.keys(),
    policy.id,
    Buffer.from('payroll'),
    {
      bucket: 'hr',
      key: 'payroll/2026/jan.pdf',
    },
  )
  const header = parseHeader(object)
  const reads = people.map(
    (person): PreparedRead => ({ reader: person.email, ...prepareRewrap(person.token, header) }),
  )
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
