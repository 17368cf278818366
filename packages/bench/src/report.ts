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
    const ratio = row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`
    lines.push(`| ${row.what} | ${value} ${row.unit} | ${ratio} | ${row.goal ?? ''} |`)
  }
  process.stdout.write(`${lines.join('\n')}\n`)
}
