import type { RouteDefinition } from './route-definition.js'
import { addLockdownRoute } from './routes/add-lockdown-route.js'
import { addPolicyObjectRoute } from './routes/add-policy-object-route.js'
import { auditEventsRoute } from './routes/audit-events-route.js'
import { auditExportRoute } from './routes/audit-export-route.js'
import { auditHeadRoute } from './routes/audit-head-route.js'
import { auditKeyRoute } from './routes/audit-key-route.js'
import { auditRecordsRoute } from './routes/audit-records-route.js'
import { changeReadersRoute } from './routes/change-readers-route.js'
import { createPoliciesRoute } from './routes/create-policies-route.js'
import { createPolicyRoute } from './routes/create-policy-route.js'
import { createUserRoute } from './routes/create-user-route.js'
import { disableUserRoute } from './routes/disable-user-route.js'
import { fileReportRoute } from './routes/file-report-route.js'
import { getPolicyRoute } from './routes/get-policy-route.js'
import { healthRoute } from './routes/health-route.js'
import { liftLockdownRoute } from './routes/lift-lockdown-route.js'
import { linkUserOidcRoute } from './routes/link-user-oidc-route.js'
import { listCheckpointsRoute } from './routes/list-checkpoints-route.js'
import { listKeysRoute } from './routes/list-keys-route.js'
import { listLockdownsRoute } from './routes/list-lockdowns-route.js'
import { listPoliciesRoute } from './routes/list-policies-route.js'
import { listTokensRoute } from './routes/list-tokens-route.js'
import { listUsersRoute } from './routes/list-users-route.js'
import { meRoute } from './routes/me-route.js'
import { mintTokenRoute } from './routes/mint-token-route.js'
import { overviewRoute } from './routes/overview-route.js'
import { revokePolicyRoute } from './routes/revoke-policy-route.js'
import { revokeTokenRoute } from './routes/revoke-token-route.js'
import { rewrapBatchRoute } from './routes/rewrap-batch-route.js'
import { rewrapRoute } from './routes/rewrap-route.js'
import { rotateKeyRoute } from './routes/rotate-key-route.js'
import { setExpiryRoute } from './routes/set-expiry-route.js'
import { signCheckpointRoute } from './routes/sign-checkpoint-route.js'
import { unrevokePolicyRoute } from './routes/unrevoke-policy-route.js'

/**
 * Every route of the key server's HTTP API, by name: `/healthz` and the `/v1` routes. The server
 * registers each of them, and no other (besides `GET /openapi.json`, the document generated from
 * them).
 */
export const routes = {
  health: healthRoute,
  listKeys: listKeysRoute,
  rotateKey: rotateKeyRoute,
  rewrap: rewrapRoute,
  rewrapBatch: rewrapBatchRoute,
  createPolicy: createPolicyRoute,
  createPolicies: createPoliciesRoute,
  listPolicies: listPoliciesRoute,
  getPolicy: getPolicyRoute,
  fileReport: fileReportRoute,
  addPolicyObject: addPolicyObjectRoute,
  changeReaders: changeReadersRoute,
  setExpiry: setExpiryRoute,
  revokePolicy: revokePolicyRoute,
  unrevokePolicy: unrevokePolicyRoute,
  me: meRoute,
  overview: overviewRoute,
  createUser: createUserRoute,
  listUsers: listUsersRoute,
  disableUser: disableUserRoute,
  linkUserOidc: linkUserOidcRoute,
  mintToken: mintTokenRoute,
  listTokens: listTokensRoute,
  revokeToken: revokeTokenRoute,
  addLockdown: addLockdownRoute,
  listLockdowns: listLockdownsRoute,
  liftLockdown: liftLockdownRoute,
  auditKey: auditKeyRoute,
  auditHead: auditHeadRoute,
  auditRecords: auditRecordsRoute,
  auditEvents: auditEventsRoute,
  auditExport: auditExportRoute,
  listCheckpoints: listCheckpointsRoute,
  signCheckpoint: signCheckpointRoute,
} as const satisfies Readonly<Record<string, RouteDefinition>>
