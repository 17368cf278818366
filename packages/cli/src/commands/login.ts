import { KeyServerClient } from '@latch/client'
import { Command } from 'commander'
import { saveLogin } from '../config.js'
import { CliError } from '../errors.js'
import type { Io } from '../io.js'
import { printable } from '../printable.js'
import { warnCleartextToken } from '../warn-cleartext-token.js'

/**
 * `latch login --server URL [--token TOKEN]`: checks the token against the server and saves both
 * (owner-only file); the token is read from stdin when not given, so it stays out of the shell's
 * history. `LATCH_SERVER`/`LATCH_TOKEN` override the saved login.
 */
export function loginCommand(io: Io): Command {
  return new Command('login')
    .description('save the key server and your API token for later commands')
    .option('--server <url>', 'the key server URL (default: LATCH_SERVER)')
    .option('--token <token>', 'your API token (default: LATCH_TOKEN, else read from stdin)')
    .action(async (options: { server?: string; token?: string }) => {
      const server = options.server ?? (io.env.LATCH_SERVER || undefined)
      if (server === undefined || server === '') {
        throw new CliError('ERR_CLI_USAGE', 'latch login needs --server URL (or LATCH_SERVER)')
      }
      const token = options.token ?? (io.env.LATCH_TOKEN || undefined) ?? (await readLine(io))
      if (token === '')
        throw new CliError('ERR_CLI_USAGE', 'no token given (--token, LATCH_TOKEN or stdin)')
      const client = new KeyServerClient({ server, token })
      warnCleartextToken(io, server, token)
      const me = await client.me()
      const file = saveLogin(io.env, { server, token })
      io.stderr.write(
        `${printable(`logged in to ${server} as ${me.email} (${me.role}); saved in ${file}`)}\n`,
      )
      if (me.mintedBy !== null && me.mintedBy !== undefined) {
        io.stderr.write(
          `${printable(`this token was minted by ${me.mintedBy}`)}, and the audit log names them with every use of it: replace it with one only you know (latch token rotate)\n`,
        )
      }
    })
}

async function readLine(io: Io): Promise<string> {
  if ((io.stdin as { isTTY?: boolean }).isTTY === true) io.stderr.write('API token: ')
  let text = ''
  for await (const chunk of io.stdin) {
    text += chunk.toString()
    if (text.includes('\n')) break
  }
  return (text.split('\n')[0] ?? '').trim()
}
