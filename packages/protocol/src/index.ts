/**
 * The key server's HTTP contract, one typed home for the server and every client: the schema of
 * each route (`routes`, JSON Schema built with TypeBox: the server validates with them and
 * generates its OpenAPI document from them), the view types derived from them, the closed union
 * of error codes and the HTTP status of each. Only `typebox` and no Node API, so browsers can use
 * it too.
 *
 * @example
 * ```ts
 * import { routes, type PolicyView, type RouteReply } from '@latch/protocol'
 * routes.getPolicy.url                              // '/v1/policies/:id'
 * type Answer = RouteReply<typeof routes.getPolicy> // PolicyView
 * ```
 *
 * @packageDocumentation
 */
export { componentSchemas } from './component-schemas.js'
export { fallbackCodeFor } from './fallback-code-for.js'
export { isServerErrorCode } from './is-server-error-code.js'
export type {
  RouteBody,
  RouteDefinition,
  RouteInput,
  RouteParams,
  RouteQuery,
  RouteReply,
} from './route-definition.js'
export { type RouteLine, type RouteName, type Routes, routeLines } from './route-lines.js'
export { type RouteTargetInput, routeTarget } from './route-target.js'
export type { AddLockdownBody } from './routes/add-lockdown-route.js'
export type { AddPolicyObjectBody } from './routes/add-policy-object-route.js'
export type { AuditEventsQuery } from './routes/audit-events-route.js'
export type { AuditExportQuery } from './routes/audit-export-route.js'
export type { AuditRecordsQuery } from './routes/audit-records-route.js'
export type { ChangeReadersBody } from './routes/change-readers-route.js'
export {
  type CreatePoliciesBody,
  createPoliciesBodySchema,
} from './routes/create-policies-route.js'
export type { CreatePolicyBody } from './routes/create-policy-route.js'
export type { CreateUserBody } from './routes/create-user-route.js'
export type { FileReportQuery } from './routes/file-report-route.js'
export type { GetPolicyQuery } from './routes/get-policy-route.js'
export type { LiftLockdownBody } from './routes/lift-lockdown-route.js'
export type { LinkUserOidcBody } from './routes/link-user-oidc-route.js'
export type { ListLockdownsQuery } from './routes/list-lockdowns-route.js'
export type { ListPoliciesQuery } from './routes/list-policies-route.js'
export type { ListTokensQuery } from './routes/list-tokens-route.js'
export type { MintTokenBody } from './routes/mint-token-route.js'
export type { PolicyChangeReasonBody } from './routes/revoke-policy-route.js'
export { type RewrapBatchBody, rewrapBatchBodySchema } from './routes/rewrap-batch-route.js'
export type { RewrapBody } from './routes/rewrap-route.js'
export type { SetExpiryBody } from './routes/set-expiry-route.js'
export { routes } from './routes.js'
export {
  type ClaimedPolicyRequest,
  ClaimedPolicyRequestSchema,
} from './schemas/claimed-policy-request.js'
export { type ClientPublicJwk, ClientPublicJwkSchema } from './schemas/client-public-jwk.js'
export { EMAIL_PATTERN, MAX_IDENTITY_LENGTH } from './schemas/email-schema.js'
export { type RewrapRequest, RewrapRequestSchema } from './schemas/rewrap-request.js'
export { SERVER_ERROR_CODES, type ServerErrorCode } from './server-error-code.js'
export { statusFor } from './status-for.js'
export {
  type AuditCheckpointList,
  AuditCheckpointListSchema,
} from './views/audit-checkpoint-list.js'
export { type AuditEventPage, AuditEventPageSchema } from './views/audit-event-page.js'
export { type AuditEventView, AuditEventViewSchema } from './views/audit-event-view.js'
export { type AuditHead, AuditHeadSchema } from './views/audit-head.js'
export { type AuditKey, AuditKeySchema } from './views/audit-key.js'
export { type AuditRecordPage, AuditRecordPageSchema } from './views/audit-record-page.js'
export { type ConsoleConfigView, ConsoleConfigViewSchema } from './views/console-config-view.js'
export {
  type CreatePoliciesResult,
  CreatePoliciesResultSchema,
} from './views/create-policies-result.js'
export { type ErrorBody, ErrorBodySchema } from './views/error-body.js'
export { type FileReportView, FileReportViewSchema } from './views/file-report-view.js'
export { type Health, HealthSchema } from './views/health.js'
export { type KeySet, KeySetSchema } from './views/key-set.js'
export { type LockdownReach, LockdownReachSchema } from './views/lockdown-reach.js'
export { type LockdownRuleList, LockdownRuleListSchema } from './views/lockdown-rule-list.js'
export { type LockdownRuleView, LockdownRuleViewSchema } from './views/lockdown-rule-view.js'
export { type LockdownScopeView, LockdownScopeViewSchema } from './views/lockdown-scope-view.js'
export { type MeView, MeViewSchema } from './views/me-view.js'
export { type MintedToken, MintedTokenSchema } from './views/minted-token.js'
export { type OverviewView, OverviewViewSchema } from './views/overview-view.js'
export { type PolicyListView, PolicyListViewSchema } from './views/policy-list-view.js'
export { type PolicyObjectAdded, PolicyObjectAddedSchema } from './views/policy-object-added.js'
export { type PolicyObjectView, PolicyObjectViewSchema } from './views/policy-object-view.js'
export { type PolicyView, PolicyViewSchema } from './views/policy-view.js'
export { type RewrapBatchResult, RewrapBatchResultSchema } from './views/rewrap-batch-result.js'
export { type RewrapResult, RewrapResultSchema } from './views/rewrap-result.js'
export { type RotatedKey, RotatedKeySchema } from './views/rotated-key.js'
export { type SignedCheckpoint, SignedCheckpointSchema } from './views/signed-checkpoint.js'
export { type TokenList, TokenListSchema } from './views/token-list.js'
export { type TokenView, TokenViewSchema } from './views/token-view.js'
export { type UserList, UserListSchema } from './views/user-list.js'
export { type UserView, UserViewSchema } from './views/user-view.js'
