import { existsSync, readFileSync } from 'node:fs'
import { parseVerifierKey } from '@latch/audit'
import { Command } from 'commander'
import { keyServerFor } from '../../config.js'
import { CliError } from '../../errors.js'
import type { Io } from '../../io.js'
import { describeProblem } from './describe-problem.js'
import { printVerification } from './print-verification.js'
import type { VerifiedLog } from './verified-log.js'
import { verifyExportFile } from './verify-export-file.js'
import { verifyLocalStore } from './verify-local-store.js'
import { verifyThroughServer } from './verify-through-server.js'

interface VerifyOptions {
  data?: string
  database?: string
  file?: string
  key?: string
  anchor?: string
  json?: boolean
}

/**
 * `latch audit verify`: checks the whole audit chain and its signed checkpoints, through the key
 * server (`LATCH_SERVER`, an admin `LATCH_TOKEN`), straight from a data directory (`--data`,
 * read-only), from a PostgreSQL database (`--database`) or from an export (`--file`, offline,
 * with the pinned `--key`). With `--anchor`, the log must also hold a checkpoint note kept
 * outside its database. Names the first bad record; exit 65 when anything does not verify.
 *
 * @param io where to print.
 * @returns the `verify` subcommand.
 */
export function verifyCommand(io: Io): Command {
  return new Command('verify')
    .description('verify the hash chain and the signed checkpoints; names the first bad record')
    .option('--data <dir>', 'read the SQLite database in this data directory instead of the server')
    .option('--database <url>', 'read this PostgreSQL database instead of the server')
    .option('--file <export>', 'verify an export (latch audit export) offline; needs --key')
    .option('--key <vkey>', 'pin the checkpoint key (name+keyid+key, from GET /v1/audit/key)')
    .option(
      '--anchor <file>',
      'a checkpoint note kept outside the database: fail unless the log holds it (a database restored from an older backup does not)',
    )
    .option('--json', 'one JSON document')
    .action(async (options: VerifyOptions) => {
      const sources = [options.data, options.database, options.file].filter((o) => o !== undefined)
      if (sources.length > 1) {
        throw new CliError('ERR_CLI_USAGE', 'give one of --data, --database and --file')
      }
      const key = options.key === undefined ? undefined : parseVerifierKey(options.key)
      const anchor = options.anchor === undefined ? undefined : readAnchor(options.anchor)
      let log: VerifiedLog
      if (options.file !== undefined) {
        if (key === undefined) {
          throw new CliError(
            'ERR_CLI_USAGE',
            '--file needs --key: the checkpoint key you trust (the server publishes it at GET /v1/audit/key)',
          )
        }
        log = await verifyExportFile(options.file, key, anchor)
      } else if (options.data !== undefined) {
        log = await verifyLocalStore({ data: options.data }, key, anchor)
      } else if (options.database !== undefined) {
        log = await verifyLocalStore({ database: options.database }, key, anchor)
      } else {
        log = await verifyThroughServer(keyServerFor(io), key, anchor)
      }
      printVerification(log, io, options.json === true)
      if (!log.ok) {
        throw new CliError(
          'ERR_CLI_AUDIT_INVALID',
          `the audit log does not verify: ${describeProblem(log.firstBad)}`,
        )
      }
    })
}

function readAnchor(file: string): string {
  if (!existsSync(file)) throw new CliError('ERR_CLI_NOT_FOUND', `no file ${file}`)
  return readFileSync(file, 'utf8')
}
