import { componentSchemas, routes } from '@latch/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

interface Operation {
  readonly summary?: string
  readonly responses: Record<string, unknown>
}
interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Operation>>
  readonly components: { readonly schemas: Record<string, unknown> }
}

let t: TestApp
let doc: OpenApiDocument
beforeAll(async () => {
  t = await buildTestApp()
  doc = (await t.app.inject('/openapi.json')).json() as OpenApiDocument
})
afterAll(async () => {
  await t.close()
})

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${path}`,
      operation,
    })),
  )

describe('the OpenAPI document (GET /openapi.json)', () => {
  it('lists these routes, and no other', () => {
    expect(operations().map((o) => o.name)).toEqual([
      'GET /healthz',
      'GET /v1/keys',
      'POST /v1/keys/rotate',
      'POST /v1/rewrap',
      'POST /v1/rewrap/batch',
      'POST /v1/policies',
      'GET /v1/policies',
      'GET /v1/policies/{id}',
      'POST /v1/policies/{id}/objects',
      'POST /v1/policies/batch',
      'POST /v1/policies/{id}/readers',
      'POST /v1/policies/{id}/expiry',
      'POST /v1/policies/{id}/revoke',
      'POST /v1/policies/{id}/unrevoke',
      'GET /v1/policies/{id}/report',
      'GET /v1/me',
      'POST /v1/users',
      'GET /v1/users',
      'POST /v1/users/{email}/disable',
      'POST /v1/users/{email}/oidc',
      'POST /v1/tokens',
      'GET /v1/tokens',
      'DELETE /v1/tokens/{id}',
      'POST /v1/lockdowns',
      'GET /v1/lockdowns',
      'POST /v1/lockdowns/{id}/lift',
      'GET /v1/audit/key',
      'GET /v1/audit/head',
      'GET /v1/audit/records',
      'GET /v1/audit/events',
      'GET /v1/audit/export',
      'GET /v1/audit/checkpoints',
      'POST /v1/audit/checkpoints',
      'GET /v1/overview',
    ])
  })

  it('documents exactly the routes of @latch/protocol, with their summaries and answers', () => {
    const byName = new Map(operations().map((o) => [o.name, o.operation]))
    const contract = Object.values(routes)
    expect(new Set(byName.keys())).toEqual(
      new Set(contract.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`)),
    )
    for (const route of contract) {
      const operation = byName.get(`${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`)
      expect(operation?.summary, route.url).toBe(route.schema.summary)
      expect(Object.keys(operation?.responses ?? {}), route.url).toEqual(
        Object.keys(route.schema.response),
      )
    }
  })

  it('names its components after the schemas they are, and every reference resolves', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(['Error', 'Policy', 'User', 'LockdownRule'])
    expect(componentSchemas.map((s) => (s as { $id?: string }).$id)).toEqual(
      Object.keys(doc.components.schemas),
    )
    const refs = [...JSON.stringify(doc.paths).matchAll(/"\$ref":"([^"]+)"/g)].map(([, r]) => r)
    expect(refs.length).toBeGreaterThan(0)
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\//)
      expect(doc.components.schemas).toHaveProperty(ref?.split('/').at(-1) ?? '')
    }
  })
})

describe('GET /v1/audit/events', () => {
  it('answers each record as stored, its members in canonical (sorted) order', async () => {
    const answer = await t.app.inject({
      url: '/v1/audit/events?limit=10',
      headers: { authorization: `Bearer ${t.adminToken}` },
    })
    expect(answer.statusCode).toBe(200)
    const { events } = answer.json() as { events: Record<string, unknown>[] }
    expect(events.length).toBeGreaterThan(1)
    for (const event of events) {
      expect(Object.keys(event)).toEqual(Object.keys(event).sort())
      const actor = event.actor as Record<string, unknown>
      expect(Object.keys(actor)).toEqual(Object.keys(actor).sort())
    }
  })
})
