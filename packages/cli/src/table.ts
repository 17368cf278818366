import { printable } from './printable.js'

/**
 * A plain text table, columns aligned, for human output (`--json` is for programs). Every cell
 * goes through {@link printable}: cells hold server data, which must not reach the terminal raw.
 */
export function table(header: readonly string[], rows: readonly string[][]): string {
  const cells = [header, ...rows].map((r) => r.map(printable))
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  return cells
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n')
}
