import type { AuditEventFilter } from '@latch/client'
import { Command } from 'commander'
import { AUDIT_HEADER, auditLine } from '../../audit-line.js'
import { keyServerFor } from '../../config.js'
import type { Io } from '../../io.js'
import { parseTime } from '../../parse-expiry.js'
import { resolvePolicyId } from '../policy.js'

interface ListOptions {
  actor?: string
  action?: string
  since?: string
  until?: string
  json?: boolean
}

/**
 * `latch audit [POLICY] [--actor EMAIL] [--action NAME] [--since T] [--until T] [--json]`: the
 * records, oldest first, paged through the key server (admins; a file's owner with POLICY). The
 * `audit` command itself; its subcommands are added by `auditCommand`.
 *
 * @param io where to print.
 * @returns the `audit` command.
 */
export function listCommand(io: Io): Command {
  return (
    new Command('audit')
      .description('the audit log: list records (admins; owners: their files), verify, report')
      .argument('[policy]', 'only the records of this policy id or s3://BUCKET/KEY')
      .option('--actor <email>', 'only what this person did')
      .option(
        '--action <name>',
        'an event type (key.release, key.release.denied, policy.revoke, …) or a family (policy.*)',
      )
      .option('--since <time>', 'from this time on: 2h, 7d (ago) or an ISO 8601 time')
      .option('--until <time>', 'before this time: 2h, 7d (ago) or an ISO 8601 time')
      .option('--json', 'JSON Lines: one record per line, as stored')
      // Its options only before `verify`, which has its own (`--json`).
      .enablePositionalOptions()
      .action(async (ref: string | undefined, options: ListOptions) => {
        const client = keyServerFor(io)
        const filter: AuditEventFilter = {
          policy: ref === undefined ? undefined : await resolvePolicyId(ref, io),
          actor: options.actor,
          type: options.action,
          since:
            options.since === undefined
              ? undefined
              : parseTime(options.since, '--since', 'past').toISOString(),
          until:
            options.until === undefined
              ? undefined
              : parseTime(options.until, '--until', 'past').toISOString(),
        }
        let after = 0
        let shown = 0
        if (options.json !== true) io.stdout.write(`${AUDIT_HEADER}\n`)
        for (;;) {
          const page = await client.auditEvents(filter, after, 1000)
          const lines = page.events.map((e) =>
            options.json === true ? JSON.stringify(e) : auditLine(e),
          )
          if (lines.length > 0) io.stdout.write(`${lines.join('\n')}\n`)
          shown += lines.length
          if (page.next === null) break
          after = page.next
        }
        io.stderr.write(`${shown.toLocaleString('en-US')} record${shown === 1 ? '' : 's'}\n`)
      })
  )
}
