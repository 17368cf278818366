import type { LockdownRuleView, LockdownScopeInput } from '@latch/client'
import { Command } from 'commander'
import { keyServerFor } from '../config.js'
import { CliError } from '../errors.js'
import type { Io } from '../io.js'
import { printable } from '../printable.js'
import { table } from '../table.js'

interface LockdownOptions {
  all?: boolean
  bucket?: string
  prefix?: string
  owner?: string
  reason?: string
  dryRun?: boolean
  json?: boolean
}

/**
 * `latch lockdown (--all | --bucket B [--prefix P] | --owner EMAIL) --reason TEXT [--dry-run]`
 * (prints the rule id, or with `--dry-run` how many files it would cover), `latch lockdown list
 * [--all] [--json]`, `latch lockdown lift RULE [--reason TEXT]`. Admin token in `LATCH_TOKEN`.
 */
export function lockdownCommand(io: Io): Command {
  const lockdown = new Command('lockdown')
    .description('incident lockdown: no key for any file in a scope, the owners included (admin)')
    .option('--all', 'every file')
    .option('--bucket <bucket>', 'the files stored in this bucket')
    .option('--prefix <prefix>', 'with --bucket: only keys that start with it')
    .option('--owner <email>', "one owner's files")
    .option('--reason <text>', 'why: recorded in the rule and the audit log (required)')
    .option('--dry-run', 'count the files it would cover; change nothing')
    .option('--json', 'print the rule (or the counts) as JSON')
    // Its options only before `list`/`lift`, which have their own (`list --all`).
    .enablePositionalOptions()
    .action(async (options: LockdownOptions) => {
      const scope = scopeOf(options)
      const reason = options.reason
      if (reason === undefined || reason.trim() === '') {
        throw new CliError('ERR_CLI_USAGE', '--reason TEXT is required: say why, for the audit log')
      }
      const client = keyServerFor(io)
      if (options.dryRun === true) {
        const reach = await client.lockdown({ ...scope, reason, dryRun: true })
        if (options.json === true) {
          io.stdout.write(`${JSON.stringify({ v: 1, ...reach })}\n`)
          return
        }
        io.stdout.write(
          `would cover ${count(reach.policies, 'file')} (${count(reach.objects, 'object')}) now; nothing changed\n`,
        )
        return
      }
      const rule = await client.lockdown({ ...scope, reason })
      io.stdout.write(
        options.json === true ? `${JSON.stringify({ v: 1, rule })}\n` : `${printable(rule.id)}\n`,
      )
      io.stderr.write(
        `${printable(
          `locked down ${describeScope(rule)}: no key is released there until \`latch lockdown lift ${rule.id}\``,
        )}\n`,
      )
    })
  lockdown
    .command('list')
    .description('the active lockdown rules')
    .option('--all', 'lifted rules too')
    .option('--json', 'one JSON document')
    .action(async (options: { all?: boolean; json?: boolean }) => {
      const { rules } = await keyServerFor(io).lockdowns({ all: options.all === true })
      if (options.json === true) {
        io.stdout.write(`${JSON.stringify({ v: 1, rules })}\n`)
        return
      }
      if (rules.length === 0) {
        io.stderr.write(options.all === true ? 'no lockdown rules\n' : 'no active lockdown\n')
        return
      }
      const rows = rules.map((r) => [
        r.id,
        describeScope(r),
        r.lifted === null ? 'active' : `lifted ${r.lifted.at} by ${r.lifted.by}`,
        r.createdAt,
        r.createdBy,
        r.reason,
      ])
      io.stdout.write(table(['RULE', 'SCOPE', 'STATE', 'SINCE', 'BY', 'REASON'], rows))
    })
  lockdown
    .command('lift')
    .description('lift a rule; files revoked one by one stay revoked')
    .argument('<rule>', 'the rule id (ld_…)')
    .option('--reason <text>', 'recorded in the audit log')
    .option('--json', 'print the rule')
    .action(async (id: string, options: { reason?: string; json?: boolean }) => {
      const rule = await keyServerFor(io).liftLockdown(id, options.reason)
      if (options.json === true) io.stdout.write(`${JSON.stringify({ v: 1, rule })}\n`)
      io.stderr.write(`${printable(`lifted ${rule.id} (${describeScope(rule)})`)}\n`)
    })
  return lockdown
}

function scopeOf(options: LockdownOptions): LockdownScopeInput {
  const given = [options.all, options.bucket, options.owner].filter((x) => x !== undefined)
  if (given.length !== 1) {
    throw new CliError('ERR_CLI_USAGE', 'give exactly one of --all, --bucket B or --owner EMAIL')
  }
  if (options.prefix !== undefined && options.bucket === undefined) {
    throw new CliError('ERR_CLI_USAGE', '--prefix goes with --bucket')
  }
  if (options.all === true) return { all: true }
  if (options.bucket !== undefined) {
    return options.prefix === undefined
      ? { bucket: options.bucket }
      : { bucket: options.bucket, prefix: options.prefix }
  }
  return { owner: options.owner as string }
}

function describeScope(rule: LockdownRuleView): string {
  const { scope } = rule
  if (scope.kind === 'all') return 'every file'
  if (scope.kind === 'owner') return `files of ${scope.owner}`
  return `s3://${scope.bucket}/${scope.prefix ?? ''}${scope.prefix === '' ? '' : '*'}`
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`
}
