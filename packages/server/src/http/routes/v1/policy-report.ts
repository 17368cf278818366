import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { routes } from '@latch/protocol'
import { storeFileReport } from '../../../audit/store-file-report.js'
import { ServerError } from '../../../errors.js'
import { fileReportView } from '../../../policy/file-report-view.js'
import { assertMayChangePolicy } from '../../../policy/may-see-policy.js'
import { callerOf } from '../../caller-of.js'
import { parseTimeInput } from '../../parse-time-input.js'

/**
 * `GET /v1/policies/:id/report?since=&until=`: a file's audit report over a window, verified here
 * from the store's records between the checkpoints around the window (or up to the chain head,
 * flagged, while no checkpoint follows it yet). Admins and the policy's owner; its readers get
 * 403 and everyone else 404, as for `GET /v1/audit/events?policy=`.
 */
export const policyReportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    ...routes.fileReport,
    // Records go out as stored, in their canonical member order (see GET /v1/audit/events).
    serializerCompiler: () => (data) => JSON.stringify(data),
    handler: async (request) => {
      const caller = callerOf(request)
      const { id } = request.params
      const policy = await app.latch.store.getPolicy(id, { objects: false })
      if (policy === undefined) throw new ServerError('ERR_NOT_FOUND', `no policy ${id}`)
      assertMayChangePolicy(caller, policy)
      const now = Date.now()
      const since =
        request.query.since === undefined
          ? new Date(0)
          : parseTimeInput(request.query.since, 'since')
      // Nothing can be said about the future: a window ends now at the latest (the answer's
      // window says where it ended).
      const until = new Date(
        Math.min(
          now,
          request.query.until === undefined
            ? now
            : parseTimeInput(request.query.until, 'until').getTime(),
        ),
      )
      if (until.getTime() <= since.getTime()) {
        throw new ServerError(
          'ERR_REQUEST_INVALID',
          'until must be after since (and not ahead of now)',
        )
      }
      const report = await storeFileReport(app.latch.store, app.latch.keys.checkpointKey, {
        policyId: id,
        since,
        until,
      })
      return fileReportView(report)
    },
  })
}
