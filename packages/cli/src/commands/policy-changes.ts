import type { KeyServerClient, PolicyView } from '@latch/client'
import { Command } from 'commander'
import { keyServersFor } from '../config.js'
import type { Io } from '../io.js'
import { collectEmails, parseExpiry } from '../parse-expiry.js'
import { printable } from '../printable.js'
import { resolvePolicyId } from './policy.js'

const SPLIT_HELP =
  'make the change on both key servers of a split file, URL1,URL2, in that order (default: LATCH_SPLIT)'

/**
 * `latch share|unshare POLICY EMAIL…`, `latch expire POLICY WHEN|never`,
 * `latch revoke|unrevoke POLICY [--reason TEXT]`: the owner's (or an admin's) changes, effective
 * for the next key request. POLICY is an id or the s3:// URL of a Latch object. One confirmation
 * line on stderr; `--json` prints the policy. With `--split` (or `LATCH_SPLIT`) the change is made
 * on both key servers of a split file, one after the other: each keeps its own copy of the policy.
 */
export function policyChangeCommands(io: Io): Command[] {
  const change = async (
    ref: string,
    options: { json?: boolean; split?: string },
    apply: (client: KeyServerClient, id: string) => Promise<PolicyView>,
    what: (view: PolicyView) => string,
  ) => {
    const servers = keyServersFor(io, options.split)
    const id = await resolvePolicyId(ref, io)
    const views: { server: string; policy: PolicyView }[] = []
    for (const { url, client } of servers) {
      try {
        views.push({ server: url, policy: await apply(client, id) })
      } catch (error) {
        // The error's own line and exit code follow; say first what did change.
        if (views.length > 0) {
          io.stderr.write(
            `${printable(`${id}: changed on ${views.map((v) => v.server).join(', ')} but not on ${url}; run the command again once it answers`)}\n`,
          )
        }
        throw error
      }
    }
    if (options.json === true) {
      const document =
        servers.length === 1 ? { v: 1, policy: views[0]?.policy } : { v: 1, servers: views }
      io.stdout.write(`${JSON.stringify(document)}\n`)
    }
    for (const { server, policy } of views) {
      const on = servers.length === 1 ? '' : ` on ${server}`
      io.stderr.write(
        `${printable(`${policy.id}: ${what(policy)} (version ${policy.version})${on}`)}\n`,
      )
    }
  }
  const readers = (view: PolicyView) => `readers ${view.readers.join(', ') || '(none)'}`
  const share = new Command('share')
    .description('let more people read a file (owner, admins)')
    .argument('<policy>', 'a policy id, or s3://BUCKET/KEY')
    .argument('<emails...>', 'emails, or *@domain')
    .option('--json', 'print the policy')
    .option('--split <urls>', SPLIT_HELP)
    .action(async (ref: string, emails: string[], options: ChangeFlags) => {
      const add = emails.flatMap((e) => collectEmails(e))
      await change(ref, options, (client, id) => client.changeReaders(id, { add }), readers)
    })
  const unshare = new Command('unshare')
    .description('stop people reading a file, from the next key request on (owner, admins)')
    .argument('<policy>', 'a policy id, or s3://BUCKET/KEY')
    .argument('<emails...>', 'emails, or *@domain')
    .option('--json', 'print the policy')
    .option('--split <urls>', SPLIT_HELP)
    .action(async (ref: string, emails: string[], options: ChangeFlags) => {
      const remove = emails.flatMap((e) => collectEmails(e))
      await change(ref, options, (client, id) => client.changeReaders(id, { remove }), readers)
    })
  const expire = new Command('expire')
    .description('stop releasing the key after a time, or never (owner, admins)')
    .argument('<policy>', 'a policy id, or s3://BUCKET/KEY')
    .argument('<when>', '30d, 12h, 90m, an ISO 8601 time, or never')
    .option('--json', 'print the policy')
    .option('--split <urls>', SPLIT_HELP)
    .action(async (ref: string, when: string, options: ChangeFlags) => {
      const expiresAt = when === 'never' ? null : parseExpiry(when).toISOString()
      await change(
        ref,
        options,
        (client, id) => client.setExpiry(id, expiresAt),
        (view) => `expires ${view.expiresAt ?? 'never'}`,
      )
    })
  const revoke = new Command('revoke')
    .description('no key for anyone, the owner included, until unrevoked (owner, admins)')
    .argument('<policy>', 'a policy id, or s3://BUCKET/KEY')
    .option('--reason <text>', 'recorded in the audit log')
    .option('--json', 'print the policy')
    .option('--split <urls>', SPLIT_HELP)
    .action(async (ref: string, options: ChangeFlags & { reason?: string }) => {
      await change(
        ref,
        options,
        (client, id) => client.revokePolicy(id, options.reason),
        () => 'revoked',
      )
    })
  const unrevoke = new Command('unrevoke')
    .description('lift a revocation; readers and expiry are as they were (owner, admins)')
    .argument('<policy>', 'a policy id, or s3://BUCKET/KEY')
    .option('--reason <text>', 'recorded in the audit log')
    .option('--json', 'print the policy')
    .option('--split <urls>', SPLIT_HELP)
    .action(async (ref: string, options: ChangeFlags & { reason?: string }) => {
      await change(
        ref,
        options,
        (client, id) => client.unrevokePolicy(id, options.reason),
        () => 'active again',
      )
    })
  return [share, unshare, expire, revoke, unrevoke]
}

interface ChangeFlags {
  json?: boolean
  split?: string
}
