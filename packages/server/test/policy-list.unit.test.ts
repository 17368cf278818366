import type { PolicyListView } from '@latch/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// GET /v1/policies: what each role sees, paging that neither skips nor repeats, and cursors that
// only work for the listing that gave them.

// Policies created in one millisecond list by id: a pause keeps the creation order here.
const tick = () => new Promise((resolve) => setTimeout(resolve, 3))

let t: TestApp
const tokens: Record<string, string> = {}
const ids: Record<string, string> = {}

beforeAll(async () => {
  t = await buildTestApp()
  for (const who of ['alice', 'carol', 'bob', 'eve', 'mallory']) {
    tokens[who] = await t.user(`${who}@example.com`)
  }
  tokens.dana = await t.user('dana@partner.org')
  tokens.admin = t.adminToken
  const alice = t.client(tokens.alice)
  const carol = t.client(tokens.carol)
  ids.a1 = (await alice.createPolicy({ readers: ['bob@example.com'], labels: { team: 'red' } })).id
  await tick()
  ids.a2 = (await alice.createPolicy({ readers: ['*@partner.org'] })).id
  await tick()
  ids.a3 = (await alice.createPolicy({})).id
  await tick()
  ids.c1 = (await carol.createPolicy({ readers: ['bob@example.com', 'alice@example.com'] })).id
  await tick()
  ids.c2 = (await carol.createPolicy({})).id
  await alice.addPolicyObject(ids.a1, {
    objectId: 'AAAAAAAAAAAAAAAAAAAAAA',
    coreHash: 'B'.repeat(43),
    bucket: 'files',
    key: 'reports/Q1.pdf',
  })
  await alice.revokePolicy(ids.a3, 'done')
})
afterAll(async () => {
  await t.close()
})

async function list(who: string, query = ''): Promise<{ status: number; body: PolicyListView }> {
  const answer = await t.app.inject({
    url: `/v1/policies${query === '' ? '' : `?${query}`}`,
    headers: { authorization: `Bearer ${tokens[who]}` },
  })
  return { status: answer.statusCode, body: answer.json() as PolicyListView }
}

const idsOf = (body: PolicyListView) => body.items.map((p) => p.id)

describe('GET /v1/policies', () => {
  it('shows admins every policy and everyone else only what they own or read, newest first, objects included', async () => {
    expect(idsOf((await list('admin')).body)).toEqual([ids.c2, ids.c1, ids.a3, ids.a2, ids.a1])
    expect(idsOf((await list('alice')).body)).toEqual([ids.c1, ids.a3, ids.a2, ids.a1])
    expect(idsOf((await list('bob')).body)).toEqual([ids.c1, ids.a1])
    expect(idsOf((await list('dana')).body)).toEqual([ids.a2])
    expect(idsOf((await list('mallory')).body)).toEqual([])
    const a1 = (await list('bob')).body.items.find((p) => p.id === ids.a1)
    expect(a1?.objects).toMatchObject([{ bucket: 'files', key: 'reports/Q1.pdf' }])
    expect(a1).toMatchObject({ owner: 'alice@example.com', readers: ['bob@example.com'] })
  })

  it('never widens a caller’s scope with a filter', async () => {
    expect(idsOf((await list('mallory', 'owner=alice@example.com')).body)).toEqual([])
    expect(idsOf((await list('mallory', 'reader=bob@example.com')).body)).toEqual([])
    expect(idsOf((await list('mallory', 'q=example')).body)).toEqual([])
    expect(idsOf((await list('bob', 'owner=carol@example.com')).body)).toEqual([ids.c1])
    expect(idsOf((await list('eve', 'state=active&bucket=files')).body)).toEqual([])
    expect(idsOf((await list('admin', 'owner=carol@example.com')).body)).toEqual([ids.c2, ids.c1])
  })

  it('filters by reader, bucket and prefix, label, state and a case-insensitive substring', async () => {
    expect(idsOf((await list('admin', 'reader=dana@partner.org')).body)).toEqual([ids.a2])
    expect(idsOf((await list('admin', 'reader=Bob@Example.com')).body)).toEqual([ids.c1, ids.a1])
    expect(idsOf((await list('admin', 'bucket=files&prefix=reports/')).body)).toEqual([ids.a1])
    expect(idsOf((await list('admin', 'bucket=files&prefix=other/')).body)).toEqual([])
    expect(idsOf((await list('admin', 'label=team%3Dred')).body)).toEqual([ids.a1])
    expect(idsOf((await list('admin', 'state=revoked')).body)).toEqual([ids.a3])
    expect(idsOf((await list('alice', 'q=Q1.PDF')).body)).toEqual([ids.a1])
    expect(idsOf((await list('alice', 'q=CAROL')).body)).toEqual([ids.c1])
    expect((await list('admin', 'total=true&limit=2')).body.total).toBe(5)
    expect((await list('bob', 'total=true')).body.total).toBe(2)
  })

  it('pages newest first without skipping or repeating a policy created between pages', async () => {
    const first = (await list('admin', 'limit=2')).body
    expect(idsOf(first)).toEqual([ids.c2, ids.c1])
    await tick()
    const created = await t.client(tokens.carol).createPolicy({})
    const seen: string[] = [...idsOf(first)]
    let cursor = first.nextCursor
    while (cursor !== null) {
      const page = (await list('admin', `limit=2&cursor=${encodeURIComponent(cursor)}`)).body
      seen.push(...idsOf(page))
      cursor = page.nextCursor
    }
    expect(seen).toEqual([ids.c2, ids.c1, ids.a3, ids.a2, ids.a1])
    expect(idsOf((await list('admin', 'limit=1')).body)).toEqual([created.id])
    expect((await list('admin', 'limit=200')).body.nextCursor).toBeNull()
  })

  it('refuses a cursor it did not give this caller for these filters, with 400 ERR_CURSOR_INVALID', async () => {
    const { nextCursor } = (await list('alice', 'limit=1')).body
    expect(nextCursor).not.toBeNull()
    const cursor = encodeURIComponent(nextCursor as string)
    expect((await list('alice', `limit=1&cursor=${cursor}`)).status).toBe(200)
    const forged = Buffer.from(
      JSON.stringify([1, '2030-01-01T00:00:00.000Z', 'p-x', 'AAAAAAAAAAAAAAAA']),
    ).toString('base64url')
    for (const [who, query] of [
      ['bob', `cursor=${cursor}`],
      ['alice', `state=active&cursor=${cursor}`],
      ['alice', 'cursor=not-a-cursor'],
      ['alice', 'cursor=%3D%3D%3D'],
      ['alice', `cursor=${forged}`],
      ['alice', `cursor=${cursor}x`],
    ] as const) {
      const answer = await t.app.inject({
        url: `/v1/policies?${query}`,
        headers: { authorization: `Bearer ${tokens[who]}` },
      })
      expect(answer.statusCode, query).toBe(400)
      expect(answer.json()).toEqual({
        code: 'ERR_CURSOR_INVALID',
        message: expect.any(String),
        requestId: answer.headers['x-request-id'],
      })
    }
  })

  it('answers a malformed query 400 ERR_REQUEST_INVALID and no token 401', async () => {
    for (const query of [
      'limit=0',
      'limit=201',
      'limit=ten',
      'state=lost',
      'prefix=reports/',
      'owner=not-an-email',
      'label=team',
      'label=team%3Dred%1B',
      'q=',
      `q=${'x'.repeat(257)}`,
    ]) {
      const { status, body } = await list('alice', query)
      expect(status, query).toBe(400)
      expect((body as unknown as { code: string }).code, query).toBe('ERR_REQUEST_INVALID')
    }
    expect((await t.app.inject('/v1/policies')).statusCode).toBe(401)
  })
})
