import { KeyServerClient } from '@latch/client'
import { Command } from 'commander'
import { currentToken, keyServerFor, replaceSavedToken } from '../config.js'
import { CliError } from '../errors.js'
import type { Io } from '../io.js'
import { printable } from '../printable.js'

const API_TOKEN = /^latch_([A-Za-z0-9]{12})_[A-Za-z0-9_-]{43}$/

/**
 * `latch token rotate`: replaces your API token with one only you know. Mints a new token for
 * yourself with the current one, revokes the current one with the new one, and prints only the
 * new token on stdout (and saves it, when the current one came from `latch login`). Use it on a
 * token an admin minted for you (`latch users add`, lost-token recovery): until then, every audit
 * record made with it names the admin as its minter, who may hold a copy.
 */
export function tokenCommand(io: Io): Command {
  const token = new Command('token').description('your API token')
  token
    .command('rotate')
    .description(
      'replace your API token with a new one only you know; prints only the new token on stdout',
    )
    .action(async () => {
      const current = currentToken(io)
      const id = current === undefined ? undefined : API_TOKEN.exec(current.token)?.[1]
      if (current === undefined || id === undefined) {
        throw new CliError(
          'ERR_CLI_USAGE',
          'latch token rotate needs a Latch API token in LATCH_TOKEN or from latch login (an OIDC token is not one)',
        )
      }
      const server = keyServerFor(io)
      const minted = await server.mintToken()
      // Revoked with the new token, which so proves it works before the old one stops.
      try {
        await new KeyServerClient({ server: server.server, token: minted.token }).revokeToken(id)
      } catch (error) {
        io.stdout.write(`${printable(minted.token)}\n`)
        io.stderr.write(
          `minted the new token above (token id ${minted.tokenId}), but the old token ${id} is still live: revoke it (DELETE /v1/tokens/${id}) or run latch token rotate again with the new token\n`,
        )
        throw error
      }
      io.stdout.write(`${printable(minted.token)}\n`)
      const where =
        current.from === 'saved'
          ? `saved in ${replaceSavedToken(io, minted.token)}`
          : 'set LATCH_TOKEN to it'
      io.stderr.write(
        `new token ${minted.tokenId} for ${printable(minted.email)}, shown only once (${where}); the old token ${id} is revoked\n`,
      )
    })
  return token
}
