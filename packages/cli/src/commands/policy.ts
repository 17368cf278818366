import type { PolicyView } from '@latch/client'
import { Command } from 'commander'
import { keyServersFor, parseS3Url } from '../config.js'
import type { Io } from '../io.js'
import { printable } from '../printable.js'
import { table } from '../table.js'

/**
 * `latch policy show POLICY [--split URL1,URL2] [--json]`: POLICY is a policy id or the s3:// URL
 * of a Latch object; with `--split` (or `LATCH_SPLIT`), each key server's copy of the policy.
 */
export function policyCommand(io: Io): Command {
  const policy = new Command('policy').description("a file's policy")
  policy
    .command('show')
    .description('show a policy: owner, readers, expiry, state, objects')
    .argument('<policy>', 'a policy id, or s3://BUCKET/KEY of a Latch object')
    .option('--json', 'one JSON document')
    .option(
      '--split <urls>',
      "each copy of a split file's policy, from its two key servers URL1,URL2 (default: LATCH_SPLIT)",
    )
    .action(async (ref: string, options: { json?: boolean; split?: string }) => {
      const servers = keyServersFor(io, options.split)
      const id = await resolvePolicyId(ref, io)
      const views = await Promise.all(
        servers.map(async ({ url, client }) => ({
          server: url,
          policy: await client.getPolicy(id),
        })),
      )
      if (options.json === true) {
        const document =
          views.length === 1 ? { v: 1, policy: views[0]?.policy } : { v: 1, servers: views }
        io.stdout.write(`${JSON.stringify(document)}\n`)
        return
      }
      io.stdout.write(
        views
          .map(({ server, policy }) =>
            views.length === 1
              ? render(policy)
              : `${printable(`key server ${server}`)}\n${render(policy)}`,
          )
          .join('\n'),
      )
    })
  return policy
}

/** Resolves POLICY: an id as is, or the policy id in the header of the Latch object at an s3:// URL. */
export async function resolvePolicyId(ref: string, io: Io): Promise<string> {
  if (!ref.startsWith('s3://')) return ref
  const { bucket, key } = parseS3Url(ref)
  const { createS3Client, readLatchHeader } = await import('@latch/s3')
  const { header } = await readLatchHeader({ client: createS3Client({}, io.env), bucket, key })
  return header.core.policyId
}

function render(p: PolicyView): string {
  const rows: string[][] = [
    ['policy', p.id],
    ['owner', p.owner],
    ['readers', p.readers.length === 0 ? '(none)' : p.readers.join(', ')],
    ['expires', p.expiresAt ?? 'never'],
    [
      'state',
      p.revoked === null
        ? 'active'
        : `revoked by ${p.revoked.by} at ${p.revoked.at}${p.revoked.reason === null ? '' : ` (${p.revoked.reason})`}`,
    ],
    ['version', String(p.version)],
    ['created', `${p.createdAt} by ${p.createdBy}`],
  ]
  if (Object.keys(p.labels).length > 0) {
    rows.push([
      'labels',
      Object.entries(p.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    ])
  }
  for (const o of p.objects) {
    rows.push([
      'object',
      o.bucket === null
        ? `${o.objectId} (local file)`
        : `s3://${o.bucket}/${o.key} (${o.objectId})`,
    ])
  }
  return table(['', ''], rows).split('\n').slice(1).join('\n')
}
