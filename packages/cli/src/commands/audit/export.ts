import { Command } from 'commander'
import { keyServerFor } from '../../config.js'
import type { Io } from '../../io.js'
import { printable } from '../../printable.js'
import { exportLog } from './export-log.js'

/**
 * `latch audit export [-o FILE]`: the whole log and its signed checkpoints, in a file anyone can
 * verify offline with `latch audit verify --file FILE --key VKEY` (admins).
 *
 * @param io where to print.
 * @returns the `export` subcommand.
 */
export function exportCommand(io: Io): Command {
  return new Command('export')
    .description(
      'write the whole log and its signed checkpoints to a file anyone can verify offline with latch audit verify --file --key (admin)',
    )
    .option('-o, --output <file>', 'the export file, or - for stdout', '-')
    .action(async (options: { output: string }) => {
      const summary = await exportLog(keyServerFor(io), options.output, io)
      const n = (x: number) => x.toLocaleString('en-US')
      const toFile = options.output !== '-'
      io.stderr.write(
        `exported ${n(summary.records)} records and ${n(summary.checkpoints)} checkpoints (${n(summary.bytes)} bytes)${toFile ? ` to ${options.output}` : ''}; verify with: latch audit verify --file ${toFile ? options.output : 'FILE'} --key '${printable(summary.verifierKey)}'\n`,
      )
    })
}
