import { Command } from 'commander'
import { keyServerFor } from '../config.js'
import type { Io } from '../io.js'
import { printable } from '../printable.js'
import { table } from '../table.js'

/**
 * `latch users add EMAIL [--admin] [--service] [--oidc-subject SUB]` (prints only the new token),
 * `latch users list [--json]`, `latch users disable EMAIL`, `latch users link EMAIL SUBJECT`.
 * Admin token in `LATCH_TOKEN`.
 */
export function usersCommand(io: Io): Command {
  const users = new Command('users').description('manage users and their API tokens (admin)')
  users
    .command('add')
    .description('create a user; prints only the new API token on stdout')
    .argument('<email>')
    .option('--admin', 'make the user an admin')
    .option(
      '--service',
      'a service account that may name another owner for the policies it creates',
    )
    .option(
      '--oidc-subject <sub>',
      "link the user to this account (sub) at the server's OIDC issuer: its OIDC tokens get the user's role",
    )
    .action(
      async (
        email: string,
        options: { admin?: boolean; service?: boolean; oidcSubject?: string },
      ) => {
        const created = await keyServerFor(io).createUser(email, {
          admin: options.admin === true,
          mayAssignOwner: options.service === true,
          ...(options.oidcSubject === undefined ? {} : { oidcSubject: options.oidcSubject }),
        })
        io.stdout.write(`${printable(created.token)}\n`)
        io.stderr.write(
          `${printable(`created ${created.email} (token id ${created.tokenId})`)}; the token is shown only once\n` +
            `${printable(`you minted it, and the audit log names you with every use of it: ${created.email} should replace it with one only they know (latch token rotate)`)}\n`,
        )
      },
    )
  users
    .command('list')
    .description('list users')
    .option('--json', 'one JSON document')
    .action(async (options: { json?: boolean }) => {
      const { users: list } = await keyServerFor(io).listUsers()
      if (options.json === true) {
        io.stdout.write(`${JSON.stringify({ v: 1, users: list })}\n`)
        return
      }
      const rows = list.map((u) => [
        u.email,
        u.role + (u.mayAssignOwner ? '+service' : ''),
        u.disabledAt === null ? 'active' : `disabled ${u.disabledAt}`,
        u.createdAt,
      ])
      io.stdout.write(table(['EMAIL', 'ROLE', 'STATE', 'CREATED'], rows))
    })
  users
    .command('link')
    .description(
      "link a user to its account (SUBJECT, the sub) at the server's OIDC issuer: OIDC tokens of that account get the user's role, and other accounts with the user's email are refused",
    )
    .argument('<email>')
    .argument('<subject>')
    .action(async (email: string, subject: string) => {
      const user = await keyServerFor(io).linkUserOidc(email, subject)
      io.stderr.write(
        `${printable(`linked ${user.email} to ${user.oidc?.subject} at ${user.oidc?.issuer}`)}\n`,
      )
    })
  users
    .command('disable')
    .description('disable a user: their tokens stop working at once')
    .argument('<email>')
    .action(async (email: string) => {
      const user = await keyServerFor(io).disableUser(email)
      io.stderr.write(`disabled ${printable(user.email)}\n`)
    })
  return users
}
