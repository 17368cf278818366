import type { PolicyView } from '@latch/client'
import type { ListPoliciesQuery } from '@latch/protocol'
import { Command, Option } from 'commander'
import { keyServerFor } from '../config.js'
import { CliError } from '../errors.js'
import type { Io } from '../io.js'
import { table } from '../table.js'
import { parseCount } from './parse-flags.js'

// The most policies the server gives in one page.
const PAGE_MAX = 200

interface LsOptions {
  owner?: string
  reader?: string
  bucket?: string
  prefix?: string
  label?: string
  state?: 'active' | 'revoked' | 'expired'
  search?: string
  limit: number
  json?: boolean
}

/**
 * `latch ls [--owner E] [--reader E] [--bucket B [--prefix P]] [--label k=v] [--state S]
 * [--search Q] [--limit N] [--json]`: the policies the caller may see (admins: all; others: the
 * ones they own or read), newest first, paged through the server up to `--limit` (50). A table
 * (server text escaped, as every human output of the CLI), with a line on stderr when more match;
 * `--json`: one document.
 *
 * @param io where to print.
 * @returns the `ls` command.
 */
export function lsCommand(io: Io): Command {
  return new Command('ls')
    .description(
      'list the policies you may see (admins: all; others: the ones you own or read), newest first',
    )
    .option('--owner <email>', "only this owner's")
    .option('--reader <email>', 'only those this reader (or *@domain) may read')
    .option('--bucket <bucket>', 'only those with an object registered in this bucket')
    .option('--prefix <prefix>', 'with --bucket: under this key prefix')
    .option('--label <key=value>', 'only those with this label')
    .addOption(
      new Option('--state <state>', 'only those in this state').choices([
        'active',
        'revoked',
        'expired',
      ]),
    )
    .option(
      '--search <text>',
      'only those whose id, owner, a reader, a bucket or a key holds this text (any case)',
    )
    .option('--limit <n>', 'list at most this many', parseCount, 50)
    .option('--json', 'one JSON document')
    .action(async (options: LsOptions) => {
      if (options.prefix !== undefined && options.bucket === undefined) {
        throw new CliError('ERR_CLI_USAGE', '--prefix goes with --bucket')
      }
      if (options.label !== undefined && !options.label.includes('=')) {
        throw new CliError('ERR_CLI_USAGE', '--label takes key=value')
      }
      const query: ListPoliciesQuery = {
        ...(options.owner === undefined ? {} : { owner: options.owner }),
        ...(options.reader === undefined ? {} : { reader: options.reader }),
        ...(options.bucket === undefined ? {} : { bucket: options.bucket }),
        ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
        ...(options.label === undefined ? {} : { label: options.label }),
        ...(options.state === undefined ? {} : { state: options.state }),
        ...(options.search === undefined ? {} : { q: options.search }),
      }
      const client = keyServerFor(io)
      const policies: PolicyView[] = []
      let total = 0
      let cursor: string | undefined
      do {
        const want = Math.min(PAGE_MAX, options.limit - policies.length)
        const page = await client.listPolicies({
          ...query,
          limit: String(want),
          // Counted once, with the first page.
          ...(cursor === undefined ? { total: 'true' } : { cursor }),
        })
        if (cursor === undefined) total = page.total ?? 0
        policies.push(...page.items.slice(0, want))
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined && policies.length < options.limit)
      // Counted before the pages were read: policies created since may have joined the list.
      const more = cursor === undefined ? 0 : Math.max(total - policies.length, 1)
      if (options.json === true) {
        io.stdout.write(`${JSON.stringify({ v: 1, policies, total, more })}\n`)
        return
      }
      if (policies.length === 0) {
        io.stderr.write('no policy matches\n')
        return
      }
      const now = Date.now()
      io.stdout.write(
        table(
          ['POLICY', 'OWNER', 'STATE', 'READERS', 'EXPIRES', 'OBJECT', 'CREATED'],
          policies.map((p) => [
            p.id,
            p.owner,
            stateOf(p, now),
            p.readers.length === 0 ? '-' : p.readers.join(','),
            p.expiresAt ?? 'never',
            locationOf(p, options.bucket, options.prefix ?? ''),
            p.createdAt,
          ]),
        ),
      )
      if (more > 0) {
        io.stderr.write(
          `… ${more.toLocaleString('en-US')} more, use --limit ${(options.limit + more).toLocaleString('en-US')} to list them\n`,
        )
      }
    })
}

function stateOf(policy: PolicyView, now: number): string {
  if (policy.state === 'revoked') return 'revoked'
  return policy.expiresAt !== null && Date.parse(policy.expiresAt) <= now ? 'expired' : 'active'
}

/**
 * Where its first object is stored (its first location in `bucket` under `prefix`, with
 * `--bucket`), and how many other locations it has.
 */
function locationOf(policy: PolicyView, bucket: string | undefined, prefix: string): string {
  const shown =
    policy.objects.find((o) => o.bucket === bucket && (o.key ?? '').startsWith(prefix)) ??
    policy.objects[0]
  if (shown === undefined) return '-'
  const where = shown.bucket === null ? shown.objectId : `s3://${shown.bucket}/${shown.key ?? ''}`
  const others = policy.objects.length - 1
  return others === 0 ? where : `${where} (+${others})`
}
