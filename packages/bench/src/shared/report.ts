/** One row of a results table. */
export interface Row {
  readonly what: string
  readonly value: number
  readonly unit: string
  /** Ratio to the row's baseline, when it has one. */
  readonly ratio?: number
  readonly goal?: string
}

/** Prints a markdown table of rows under a heading. */
export function printTable(title: string, rows: readonly Row[]): void {
  const lines = [
    `\n### ${title}\n`,
    '| what | result | vs baseline | goal |',
    '| --- | ---: | ---: | --- |',
  ]
  for (const row of rows) {
    const value =
      row.value >= 100 ? Math.round(row.value).toLocaleString('en') : row.value.toFixed(2)
    const ratio = row.ratio === undefined ? '' : `${formatRatio(row.ratio)}×`
    lines.push(`| ${row.what} | ${value} ${row.unit} | ${ratio} | ${row.goal ?? ''} |`)
  }
  process.stdout.write(`${lines.join('\n')}\n`)
}

/** Two decimals; two significant digits below 0.1, whole numbers from 100 (lockdown vs UPDATE). */
function formatRatio(ratio: number): string {
  if (ratio >= 100) return Math.round(ratio).toLocaleString('en')
  return ratio < 0.1 ? ratio.toPrecision(2) : ratio.toFixed(2)
}
