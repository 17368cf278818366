import type { KeyServerClient, KeyServerError } from '@latch/client'
import type {
  AddPolicyObjectBody,
  AuditCheckpointList,
  AuditEventPage,
  AuditEventView,
  AuditHead,
  AuditKey,
  AuditRecordPage,
  ChangeReadersBody,
  CreatePolicyBody,
  ErrorBody,
  KeySet,
  LockdownReach,
  LockdownRuleList,
  LockdownRuleView,
  LockdownScopeView,
  MeView,
  MintedToken,
  PolicyObjectAdded,
  PolicyView,
  RewrapBatchResult,
  RewrapResult,
  RotatedKey,
  RouteReply,
  routes,
  ServerErrorCode,
  SignedCheckpoint,
  TokenList,
  UserList,
  UserView,
} from '@latch/protocol'
import { describe, expectTypeOf, it } from 'vitest'
import type { ServerError } from '../src/errors.js'
import type { errorBodyOf } from '../src/http/error-handler.js'
import type { lockdownScopeView, lockdownView } from '../src/lockdown/lockdown-view.js'
import type { policyView, userView } from '../src/policy/policy-view.js'

// Checked by the type checker (`tsc -p tsconfig.test.json`): the schemas of @latch/protocol, the
// views the server builds and the types the client returns are one and the same.

type Routes = typeof routes
type Reply<K extends keyof Routes> = RouteReply<Routes[K]>

// lockdown() is overloaded: a rule, or with dryRun what it would cover (never called).
function lockdownAnswers(client: KeyServerClient) {
  expectTypeOf(
    client.lockdown({ all: true, reason: 'r' }),
  ).resolves.toEqualTypeOf<LockdownRuleView>()
  expectTypeOf(
    client.lockdown({ bucket: 'b', reason: 'r', dryRun: true }),
  ).resolves.toEqualTypeOf<LockdownReach>()
}

describe('one contract for the server and the client', () => {
  it('each route answers the view the protocol names', () => {
    expectTypeOf<Reply<'health'>>().toEqualTypeOf<{ status: 'ok' }>()
    expectTypeOf<Reply<'listKeys'>>().toEqualTypeOf<KeySet>()
    expectTypeOf<Reply<'rotateKey'>>().toEqualTypeOf<RotatedKey>()
    expectTypeOf<Reply<'rewrap'>>().toEqualTypeOf<RewrapResult>()
    expectTypeOf<Reply<'rewrapBatch'>>().toEqualTypeOf<RewrapBatchResult>()
    expectTypeOf<RewrapBatchResult['results'][number]>().toEqualTypeOf<
      RewrapResult | { error: ErrorBody }
    >()
    expectTypeOf<Reply<'createPolicy'>>().toEqualTypeOf<PolicyView>()
    expectTypeOf<Reply<'getPolicy'>>().toEqualTypeOf<PolicyView>()
    expectTypeOf<Reply<'changeReaders'>>().toEqualTypeOf<PolicyView>()
    expectTypeOf<Reply<'setExpiry'>>().toEqualTypeOf<PolicyView>()
    expectTypeOf<Reply<'revokePolicy'>>().toEqualTypeOf<PolicyView>()
    expectTypeOf<Reply<'unrevokePolicy'>>().toEqualTypeOf<PolicyView>()
    expectTypeOf<Reply<'addPolicyObject'>>().toEqualTypeOf<PolicyObjectAdded>()
    expectTypeOf<Reply<'me'>>().toEqualTypeOf<MeView>()
    expectTypeOf<Reply<'createUser'>>().toEqualTypeOf<MintedToken>()
    expectTypeOf<Reply<'mintToken'>>().toEqualTypeOf<MintedToken>()
    expectTypeOf<Reply<'listUsers'>>().toEqualTypeOf<UserList>()
    expectTypeOf<UserList['users'][number]>().toEqualTypeOf<UserView>()
    expectTypeOf<Reply<'disableUser'>>().toEqualTypeOf<UserView>()
    expectTypeOf<Reply<'linkUserOidc'>>().toEqualTypeOf<UserView>()
    expectTypeOf<Reply<'listTokens'>>().toEqualTypeOf<TokenList>()
    expectTypeOf<Reply<'revokeToken'>>().toEqualTypeOf<null>()
    expectTypeOf<Reply<'addLockdown'>>().toEqualTypeOf<LockdownReach | LockdownRuleView>()
    expectTypeOf<Reply<'listLockdowns'>>().toEqualTypeOf<LockdownRuleList>()
    expectTypeOf<LockdownRuleList['rules'][number]>().toEqualTypeOf<LockdownRuleView>()
    expectTypeOf<Reply<'liftLockdown'>>().toEqualTypeOf<LockdownRuleView>()
    expectTypeOf<Reply<'auditKey'>>().toEqualTypeOf<AuditKey>()
    expectTypeOf<Reply<'auditHead'>>().toEqualTypeOf<AuditHead>()
    expectTypeOf<Reply<'auditRecords'>>().toEqualTypeOf<AuditRecordPage>()
    expectTypeOf<Reply<'auditEvents'>>().toEqualTypeOf<AuditEventPage>()
    expectTypeOf<AuditEventPage['events'][number]>().toEqualTypeOf<AuditEventView>()
    expectTypeOf<Reply<'listCheckpoints'>>().toEqualTypeOf<AuditCheckpointList>()
    expectTypeOf<Reply<'signCheckpoint'>>().toEqualTypeOf<SignedCheckpoint>()
  })

  it('the server builds exactly those views', () => {
    expectTypeOf<typeof policyView>().returns.toEqualTypeOf<PolicyView>()
    expectTypeOf<typeof userView>().returns.toEqualTypeOf<UserView>()
    expectTypeOf<typeof lockdownView>().returns.toEqualTypeOf<LockdownRuleView>()
    expectTypeOf<typeof lockdownScopeView>().returns.toEqualTypeOf<LockdownScopeView>()
    expectTypeOf<ReturnType<typeof errorBodyOf>['body']>().toExtend<ErrorBody>()
    expectTypeOf<ServerError['code']>().toEqualTypeOf<ServerErrorCode>()
  })

  it('the client returns what each route answers, and takes its bodies', () => {
    type Returns<M extends keyof KeyServerClient> = KeyServerClient[M] extends (
      ...args: never[]
    ) => Promise<infer T>
      ? T
      : never
    expectTypeOf<Returns<'me'>>().toEqualTypeOf<Reply<'me'>>()
    expectTypeOf<Returns<'keys'>>().toEqualTypeOf<Reply<'listKeys'>>()
    expectTypeOf<Returns<'rotateKey'>>().toEqualTypeOf<Reply<'rotateKey'>>()
    expectTypeOf<Returns<'createPolicy'>>().toEqualTypeOf<Reply<'createPolicy'>>()
    expectTypeOf<Returns<'getPolicy'>>().toEqualTypeOf<Reply<'getPolicy'>>()
    expectTypeOf<Returns<'addPolicyObject'>>().toEqualTypeOf<Reply<'addPolicyObject'>>()
    expectTypeOf<Returns<'changeReaders'>>().toEqualTypeOf<Reply<'changeReaders'>>()
    expectTypeOf<Returns<'setExpiry'>>().toEqualTypeOf<Reply<'setExpiry'>>()
    expectTypeOf<Returns<'revokePolicy'>>().toEqualTypeOf<Reply<'revokePolicy'>>()
    expectTypeOf<Returns<'unrevokePolicy'>>().toEqualTypeOf<Reply<'unrevokePolicy'>>()
    expectTypeOf<Returns<'rewrap'>>().toEqualTypeOf<Reply<'rewrap'>>()
    expectTypeOf<Returns<'rewrapBatch'>>().toEqualTypeOf<Reply<'rewrapBatch'>>()
    expectTypeOf<Returns<'createUser'>>().toEqualTypeOf<Reply<'createUser'>>()
    expectTypeOf<Returns<'linkUserOidc'>>().toEqualTypeOf<Reply<'linkUserOidc'>>()
    expectTypeOf<Returns<'mintToken'>>().toEqualTypeOf<Reply<'mintToken'>>()
    expectTypeOf<Returns<'listTokens'>>().toEqualTypeOf<Reply<'listTokens'>>()
    expectTypeOf<Returns<'listUsers'>>().toEqualTypeOf<Reply<'listUsers'>>()
    expectTypeOf<Returns<'disableUser'>>().toEqualTypeOf<Reply<'disableUser'>>()
    expectTypeOf<Returns<'lockdowns'>>().toEqualTypeOf<Reply<'listLockdowns'>>()
    expectTypeOf<Returns<'liftLockdown'>>().toEqualTypeOf<Reply<'liftLockdown'>>()
    expectTypeOf<Returns<'auditEvents'>>().toEqualTypeOf<Reply<'auditEvents'>>()
    expectTypeOf<Returns<'auditKey'>>().toEqualTypeOf<Reply<'auditKey'>>()
    expectTypeOf<Returns<'auditHead'>>().toEqualTypeOf<Reply<'auditHead'>>()
    expectTypeOf<Returns<'auditRecords'>>().toEqualTypeOf<Reply<'auditRecords'>>()
    expectTypeOf<Returns<'auditCheckpoints'>>().toEqualTypeOf<Reply<'listCheckpoints'>>()
    expectTypeOf<Returns<'signCheckpoint'>>().toEqualTypeOf<Reply<'signCheckpoint'>>()
    expectTypeOf(lockdownAnswers).toBeFunction()

    expectTypeOf<KeyServerClient['createPolicy']>().parameter(0).toEqualTypeOf<CreatePolicyBody>()
    expectTypeOf<KeyServerClient['addPolicyObject']>()
      .parameter(1)
      .toEqualTypeOf<AddPolicyObjectBody>()
    expectTypeOf<KeyServerClient['changeReaders']>().parameter(1).toEqualTypeOf<ChangeReadersBody>()
    expectTypeOf<KeyServerError['code']>().toEqualTypeOf<ServerErrorCode>()
  })
})
