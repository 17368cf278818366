import { InvalidArgumentError } from 'commander'

/** Parses a TCP port flag (0 picks a free port). */
export function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d{1,5}$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError('a port is a number from 0 to 65535')
  }
  return port
}

/** Parses a positive whole-number flag. */
export function parseCount(value: string): number {
  const n = Number(value)
  if (!/^\d{1,12}$/.test(value) || n < 1)
    throw new InvalidArgumentError('expected a positive whole number')
  return n
}

/** Parses a comma-separated list flag (`a,b`): no empty entries, white space around each ignored. */
export function parseList(value: string): string[] {
  const items = value.split(',').map((item) => item.trim())
  if (items.some((item) => item === ''))
    throw new InvalidArgumentError('expected a comma-separated list without empty entries')
  return items
}
