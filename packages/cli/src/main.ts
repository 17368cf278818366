import { AuditError } from '@latch/audit'
import { ClientError, KeyServerError } from '@latch/client'
import { ProjectError } from '@latch/format'
import { Command, CommanderError } from 'commander'
import { auditCommand } from './commands/audit/index.js'
import { devCommand } from './commands/dev.js'
import { decryptCommand, encryptCommand } from './commands/encrypt.js'
import { getCommand } from './commands/get.js'
import { keysCommand } from './commands/keys.js'
import { lockdownCommand } from './commands/lockdown.js'
import { loginCommand } from './commands/login.js'
import { policyCommand } from './commands/policy.js'
import { policyChangeCommands } from './commands/policy-changes.js'
import { putCommand } from './commands/put.js'
import { serverCommand } from './commands/server.js'
import { tokenCommand } from './commands/token.js'
import { usersCommand } from './commands/users.js'
import { EX, exitCodeFor } from './exit-codes.js'
import type { Io } from './io.js'
import { printable } from './printable.js'

const VERSION = '0.1.0'

/**
 * Runs one `latch` command line and returns its exit code (only `bin.ts` exits). Results go to
 * stdout, diagnostics to stderr, and every failure ends with one line that says what happened and
 * what to do (a stack trace only with `LATCH_DEBUG=1`).
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const program = new Command('latch')
    .description('Client-side encryption, per-file policies and an audited key server for S3')
    .version(VERSION, '-V, --version')
    // Options belong to the command they follow (`lockdown --all` vs `lockdown list --all`).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => undefined,
    })
  for (const make of [
    serverCommand,
    devCommand,
    loginCommand,
    putCommand,
    getCommand,
    encryptCommand,
    decryptCommand,
    policyCommand,
    usersCommand,
    tokenCommand,
    keysCommand,
    lockdownCommand,
    auditCommand,
  ]) {
    program.addCommand(make(io))
  }
  for (const command of policyChangeCommands(io)) program.addCommand(command)
  for (const command of program.commands) applyOverrides(command, io)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return EX.OK
  } catch (error) {
    return report(error, io)
  }
}

function applyOverrides(command: Command, io: Io): void {
  command.exitOverride().configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
    outputError: () => undefined,
  })
  for (const sub of command.commands) applyOverrides(sub, io)
}

function report(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    ) {
      return EX.OK
    }
    io.stderr.write(
      `latch: ${printable(error.message.replace(/^error: /, ''))} (see latch --help)\n`,
    )
    return EX.USAGE
  }
  if (io.env.LATCH_DEBUG === '1' && error instanceof Error) {
    io.stderr.write(`${(error.stack ?? '').split('\n').map(printable).join('\n')}\n`)
  }
  if (error instanceof KeyServerError) {
    const code = (exitCodeFor as Record<string, number>)[error.code] ?? byStatus(error.status)
    const request = error.requestId === undefined ? '' : `, request ${error.requestId}`
    // The message, code and request id are the server's: a hostile one must not write to the terminal.
    io.stderr.write(
      `latch: ${printable(`${error.message} (${error.code}${request})`)}${hintFor(error.code)}\n`,
    )
    return code
  }
  if (
    error instanceof ClientError ||
    error instanceof ProjectError ||
    error instanceof AuditError
  ) {
    const code = (exitCodeFor as Record<string, number>)[error.code] ?? EX.SOFTWARE
    io.stderr.write(
      `latch: ${printable(`${error.message} (${error.code})`)}${hintFor(error.code)}\n`,
    )
    return code
  }
  const message = error instanceof Error ? error.message : String(error)
  io.stderr.write(`latch: internal error: ${printable(message)} (set LATCH_DEBUG=1 for details)\n`)
  return EX.SOFTWARE
}

function byStatus(status: number): number {
  if (status === 401 || status === 403) return EX.NOPERM
  if (status === 404) return EX.NOINPUT
  if (status >= 500 || status === 429) return EX.UNAVAILABLE
  return EX.USAGE
}

function hintFor(code: string): string {
  switch (code) {
    case 'ERR_AUTH_REQUIRED':
    case 'ERR_AUTH_INVALID':
      return ': check LATCH_TOKEN'
    case 'ERR_CLIENT_UNAVAILABLE':
      return ': is the key server running? check LATCH_SERVER'
    case 'ERR_ACCESS_FORBIDDEN':
      return ': ask an admin'
    case 'ERR_ACCESS_DENIED':
      return ': the key server refused the key (not the owner or a reader, revoked, expired or locked down)'
    case 'ERR_S3_UNAVAILABLE':
      return ': is S3 reachable? check AWS_ENDPOINT_URL_S3 and your network'
    case 'ERR_S3_ACCESS_DENIED':
      return ': check your AWS credentials'
    case 'ERR_FORMAT_DECRYPT_FAILED':
      return ': the object was modified or corrupted; nothing unverified was written'
    default:
      return ''
  }
}
