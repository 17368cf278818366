import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { routes } from '@latch/protocol'
import { auditEvent } from '../../../audit/audit-event.js'
import { ServerError } from '../../../errors.js'
import { assertMayRegisterObject } from '../../../policy/assert-may-register-object.js'
import { createRequestedPolicy } from '../../../policy/create-requested-policy.js'
import { locatedObject } from '../../../policy/located-object.js'
import { maySeePolicy } from '../../../policy/may-see-policy.js'
import { policyCursor } from '../../../policy/policy-cursor.js'
import { policyView } from '../../../policy/policy-view.js'
import type { PolicyFilter } from '../../../store/records.js'
import { callerOf } from '../../caller-of.js'
import { requestMeta } from '../../request-meta.js'
/**
 * `POST /v1/policies`: a policy for a file about to be encrypted; the caller is its owner unless
 * an admin or an allowed service account names another. With a claim, the id is the claim's and
 * the object already stored under it is registered in the same transaction (one round trip per
 * file; the caller is the policy's creator, who may register its objects). `GET /v1/policies`: the policies the
 * caller may see (admins: all), newest first, filtered, page by page. `GET /v1/policies/:id`: the owner,
 * readers and admins see it; to anyone else it does not exist. `POST /v1/policies/:id/objects`:
 * the owner, an admin or the policy's creator (an app's service account that created it for
 * someone else) records an object the policy covers, once it is written, at its
 * location; every location ever registered stays, so registering the object elsewhere never
 * moves it out of a bucket lockdown.
 */
export const policyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    ...routes.createPolicy,
    handler: async (request, reply) => {
      const policy = await createRequestedPolicy(
        app.latch,
        callerOf(request),
        requestMeta(request),
        request.body,
      )
      reply.code(201)
      return policyView(policy)
    },
  })

  app.route({
    ...routes.listPolicies,
    handler: async (request) => {
      const caller = callerOf(request)
      const query = request.query
      if (query.prefix !== undefined && query.bucket === undefined) {
        throw new ServerError('ERR_REQUEST_INVALID', 'prefix needs bucket')
      }
      const label = query.label === undefined ? undefined : splitLabel(query.label)
      const filter: PolicyFilter = {
        // Every filter narrows this scope, none widens it.
        ...(caller.role === 'admin' ? {} : { visibleTo: caller.email }),
        ...(query.owner === undefined ? {} : { owner: query.owner.toLowerCase() }),
        ...(query.reader === undefined ? {} : { reader: query.reader.toLowerCase() }),
        ...(query.bucket === undefined ? {} : { bucket: query.bucket }),
        ...(query.prefix === undefined ? {} : { prefix: query.prefix }),
        ...(label === undefined ? {} : { label }),
        ...(query.state === undefined ? {} : { state: query.state }),
        ...(query.q === undefined ? {} : { search: lowerAscii(query.q) }),
      }
      const binding = [caller.email, caller.role, filter]
      const limit = Number(query.limit ?? 50)
      const after =
        query.cursor === undefined ? undefined : policyCursor.decode(query.cursor, binding)
      // One more than asked for: whether there is a next page, without an empty last one.
      const [rows, counts] = await Promise.all([
        app.latch.store.listPolicies(filter, {
          ...(after === undefined ? {} : { after }),
          limit: limit + 1,
        }),
        query.total === 'true' ? app.latch.store.countPolicies(filter) : undefined,
      ])
      const items = rows.slice(0, limit)
      const last = items.at(-1)
      return {
        items: items.map(policyView),
        nextCursor:
          rows.length > limit && last !== undefined ? policyCursor.encode(last, binding) : null,
        ...(counts === undefined ? {} : { total: counts.total }),
      }
    },
  })

  app.route({
    ...routes.getPolicy,
    handler: async (request) => {
      const objects = request.query.objects !== 'false'
      const policy = await app.latch.store.getPolicy(request.params.id, { objects })
      if (policy === undefined || !maySeePolicy(callerOf(request), policy))
        throw notFound(request.params.id)
      return policyView(policy)
    },
  })

  app.route({
    ...routes.addPolicyObject,
    handler: async (request) => {
      const caller = callerOf(request)
      const current = await app.latch.store.getPolicy(request.params.id, { objects: false })
      if (current === undefined) throw notFound(request.params.id)
      assertMayRegisterObject(caller, current)
      const { objectId, coreHash, bucket, key } = locatedObject(request.body)
      const policy = await app.latch.store.addPolicyObject(
        request.params.id,
        { objectId, coreHash, bucket, key },
        (before) =>
          auditEvent('policy.object.add', caller, requestMeta(request), {
            policy_id: before.id,
            policy_version: before.version,
            object_id: objectId,
            core_hash: coreHash,
            bucket,
            key,
          }),
      )
      return { policyId: policy.id, version: policy.version, objectId, coreHash }
    },
  })
}

/** `key=value` (the schema's shape) as the label filter. */
function splitLabel(label: string): { key: string; value: string } {
  const at = label.indexOf('=')
  return { key: label.slice(0, at), value: label.slice(at + 1) }
}

/** ASCII letters in lower case, every other character as it is (what the stores fold too). */
function lowerAscii(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase())
}

function notFound(id: string): ServerError {
  return new ServerError('ERR_NOT_FOUND', `no policy ${id}`)
}
