import type { PolicyView } from '@latch/client'
import { Command } from 'commander'
import { keyServerFor } from '../config.js'
import type { Io } from '../io.js'
import { collectEmails, parseExpiry } from '../parse-expiry.js'
import { printable } from '../printable.js'
import { resolvePolicyId } from './policy.js'

/**
 * `latch share|unshare POLICY EMAIL…`, `latch expire POLICY WHEN|never`,
 * `latch revoke|unrevoke POLICY [--reason TEXT]`: the owner's (or an admin's) changes, effective
 * for the next key request. POLICY is an id or the s3:// URL of a Latch object. One confirmation
 * line on stderr; `--json` prints the policy.
 */
export function policyChangeCommands(io: Io): Command[] {
  const done = (view: PolicyView, json: boolean | undefined, what: string) => {
    if (json === true) io.stdout.write(`${JSON.stringify({ v: 1, policy: view })}\n`)
    io.stderr.write(`${printable(`${view.id}: ${what} (version ${view.version})`)}\n`)
  }
  const share = new Command('share')
    .description('let more people read a file (owner, admins)')
    .argument('<policy>', 'a policy id, or s3://BUCKET/KEY')
    .argument('<emails...>', 'emails, or *@domain')
    .option('--json', 'print the policy')
    .action(async (ref: string, emails: string[], options: { json?: boolean }) => {
      const add = emails.flatMap((e) => collectEmails(e))
      const view = await keyServerFor(io).changeReaders(await resolvePolicyId(ref, io), { add })
      done(view, options.json, `readers ${view.readers.join(', ') || '(none)'}`)
    })
  const unshare = new Command('unshare')
    .description('stop people reading a file, from the next key request on (owner, admins)')
    .argument('<policy>', 'a policy id, or s3://BUCKET/KEY')
    .argument('<emails...>', 'emails, or *@domain')
    .option('--json', 'print the policy')
    .action(async (ref: string, emails: string[], options: { json?: boolean }) => {
      const remove = emails.flatMap((e) => collectEmails(e))
      const view = await keyServerFor(io).changeReaders(await resolvePolicyId(ref, io), { remove })
      done(view, options.json, `readers ${view.readers.join(', ') || '(none)'}`)
    })
  const expire = new Command('expire')
    .description('stop releasing the key after a time, or never (owner, admins)')
    .argument('<policy>', 'a policy id, or s3://BUCKET/KEY')
    .argument('<when>', '30d, 12h, 90m, an ISO 8601 time, or never')
    .option('--json', 'print the policy')
    .action(async (ref: string, when: string, options: { json?: boolean }) => {
      const expiresAt = when === 'never' ? null : parseExpiry(when).toISOString()
      const view = await keyServerFor(io).setExpiry(await resolvePolicyId(ref, io), expiresAt)
      done(view, options.json, `expires ${view.expiresAt ?? 'never'}`)
    })
  const revoke = new Command('revoke')
    .description('no key for anyone, the owner included, until unrevoked (owner, admins)')
    .argument('<policy>', 'a policy id, or s3://BUCKET/KEY')
    .option('--reason <text>', 'recorded in the audit log')
    .option('--json', 'print the policy')
    .action(async (ref: string, options: { reason?: string; json?: boolean }) => {
      const view = await keyServerFor(io).revokePolicy(
        await resolvePolicyId(ref, io),
        options.reason,
      )
      done(view, options.json, 'revoked')
    })
  const unrevoke = new Command('unrevoke')
    .description('lift a revocation; readers and expiry are as they were (owner, admins)')
    .argument('<policy>', 'a policy id, or s3://BUCKET/KEY')
    .option('--reason <text>', 'recorded in the audit log')
    .option('--json', 'print the policy')
    .action(async (ref: string, options: { reason?: string; json?: boolean }) => {
      const view = await keyServerFor(io).unrevokePolicy(
        await resolvePolicyId(ref, io),
        options.reason,
      )
      done(view, options.json, 'active again')
    })
  return [share, unshare, expire, revoke, unrevoke]
}
