import { AuditError } from '@latch/audit'
import { KeyServerError } from '@latch/client'
import { ProjectError } from '@latch/format'
import { Command, CommanderError } from 'commander'
import { auditCommand } from './commands/audit/index.js'
import { devCommand } from './commands/dev.js'
import { decryptCommand, encryptCommand } from './commands/encrypt.js'
import { getCommand } from './commands/get.js'
import { keysCommand } from './commands/keys.js'
import { lockdownCommand } from './commands/lockdown.js'
import { loginCommand } from './commands/login.js'
import { lsCommand } from './commands/ls.js'
import { policyCommand } from './commands/policy.js'
import { policyChangeCommands } from './commands/policy-changes.js'
import { putCommand } from './commands/put.js'
import { serverCommand } from './commands/server.js'
import { tokenCommand } from './commands/token.js'
import { usersCommand } from './commands/users.js'
import { type AnyErrorCode, EX, exitCodeFor, isAnyErrorCode } from './exit-codes.js'
import { hintFor } from './hint-for.js'
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
    lsCommand,
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
    const request = error.requestId === undefined ? '' : `, request ${error.requestId}`
    // The message, code and request id are the server's: a hostile one must not write to the
    // terminal. The code shown is the one it sent; a code this client does not know exits as
    // the code the client read it as (by its status).
    io.stderr.write(
      `latch: ${printable(`${error.message} (${error.serverCode}${request})`)}${hint(error.code)}\n`,
    )
    return exitCodeFor[error.code]
  }
  if (error instanceof ProjectError || error instanceof AuditError) {
    const code = isAnyErrorCode(error.code) ? error.code : undefined
    io.stderr.write(
      `latch: ${printable(`${error.message} (${error.code})`)}${code === undefined ? '' : hint(code)}\n`,
    )
    return code === undefined ? EX.SOFTWARE : exitCodeFor[code]
  }
  const message = error instanceof Error ? error.message : String(error)
  io.stderr.write(`latch: internal error: ${printable(message)} (set LATCH_DEBUG=1 for details)\n`)
  return EX.SOFTWARE
}

function hint(code: AnyErrorCode): string {
  const hints: Partial<Record<AnyErrorCode, string>> = hintFor
  const text = hints[code]
  return text === undefined ? '' : `: ${text}`
}
