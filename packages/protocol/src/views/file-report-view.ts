import { type Static, Type } from 'typebox'
import { AuditEventViewSchema } from './audit-event-view.js'

const Count = Type.Integer({ minimum: 0 })
const Time = Type.String({ format: 'date-time' })

/** The schema of {@link FileReportView}. */
export const FileReportViewSchema = Type.Object({
  policyId: Type.String(),
  window: Type.Object({
    since: Time,
    until: Time,
  }),
  chain: Type.Object(
    {
      verified: Type.Boolean({
        description: 'false: the stretch does not verify, and the report proves nothing',
      }),
      firstSeq: Type.Integer({ description: 'the first record of the stretch verified' }),
      lastSeq: Type.Integer({ description: 'the last record of the stretch verified' }),
      records: Count,
      from: Type.Object(
        {
          size: Count,
          signedAt: Type.Union([Time, Type.Null()]),
        },
        {
          description:
            'the last checkpoint signed before since (size 0, signedAt null: the start of the log)',
        },
      ),
      to: Type.Union(
        [
          Type.Object({
            size: Count,
            signedAt: Time,
          }),
          Type.Null(),
        ],
        {
          description: `the first checkpoint signed at least 5 s after until; null when there is none yet (unsignedTail)`,
        },
      ),
      unsignedTail: Type.Boolean({
        description:
          'no checkpoint covers the window yet: the stretch ends at the chain head, and its records after the last checkpoint are only as trustworthy as the database',
      }),
      checkpoints: Count,
      problems: Type.Array(
        Type.Object({
          seq: Type.Union([Type.Integer(), Type.Null()]),
          checkpoint: Type.Union([Type.Integer(), Type.Null()]),
          kind: Type.String(),
          message: Type.String(),
        }),
      ),
    },
    { description: 'the stretch of the audit chain verified for this report' },
  ),
  conclusion: Type.Object({
    verdict: Type.Union(
      [
        Type.Literal('tampered'),
        Type.Literal('no-release'),
        Type.Literal('released'),
        Type.Literal('released-foreign-token'),
      ],
      {
        description:
          'released-foreign-token: some releases used a token minted by someone other than its holder, who may have obtained the key too',
      },
    ),
    text: Type.String({ description: 'the conclusion in one sentence, as the CLI prints it' }),
  }),
  releases: Type.Object({
    count: Count,
    byRecipient: Type.Record(Type.String(), Count),
    foreignToken: Type.Array(
      Type.Object({
        recipient: Type.String(),
        mintedBy: Type.String(),
        releases: Count,
        seqs: Type.Array(Type.Integer()),
      }),
    ),
  }),
  denials: Type.Object({
    count: Count,
    byReason: Type.Record(Type.String(), Count),
  }),
  changes: Type.Object({ count: Count }),
  events: Type.Array(AuditEventViewSchema, {
    description:
      "the file's records in the window, oldest first: key requests, policy changes, and the lockdown rules its denials name",
  }),
})

/**
 * A file's audit report over a window (`GET /v1/policies/:id/report`), what `latch audit report`
 * shows: the stretch of chain the server verified, from the last checkpoint signed before `since`
 * to the first signed at least 5 s after `until` (or, while there is none yet, to the chain head,
 * `unsignedTail`), every record of the file in the window, the releases per recipient (and those
 * made with a token someone else minted), the denials per reason, the policy changes, and a
 * conclusion that claims no more than the log proves.
 */
export type FileReportView = Static<typeof FileReportViewSchema>
