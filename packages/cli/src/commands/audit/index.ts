import type { Command } from 'commander'
import type { Io } from '../../io.js'
import { exportCommand } from './export.js'
import { listCommand } from './list.js'
import { reportCommand } from './report.js'
import { verifyCommand } from './verify.js'

/**
 * `latch audit`: list the records (`list.ts`), and its subcommands `verify`, `export` and
 * `report`, one file each (parse → call → print). Only `verify --data`/`--database` load the key
 * server's code (`@latch/server`); everything else runs on `@latch/audit` and the HTTP client.
 *
 * @param io where the commands read and print.
 * @returns the `audit` command with its subcommands.
 */
export function auditCommand(io: Io): Command {
  return listCommand(io)
    .addCommand(verifyCommand(io))
    .addCommand(exportCommand(io))
    .addCommand(reportCommand(io))
}
