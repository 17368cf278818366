import { FormatError, type PlaintextRange } from '@latch/format'

/**
 * Parses a plaintext byte range as `latch get --range` and HTTP write it: `START-END` (inclusive),
 * `START-` (to the end) or `-N` (the last N bytes); a leading `bytes=` is accepted.
 *
 * @throws FormatError `ERR_FORMAT_RANGE_INVALID` for anything else.
 */
export function parseRange(text: string): PlaintextRange {
  const match = /^(?:bytes=)?(\d{0,16})-(\d{0,16})$/.exec(text.trim())
  const [, first, last] = match ?? []
  if (match === null || (first === '' && last === '')) {
    throw new FormatError(
      'ERR_FORMAT_RANGE_INVALID',
      `not a byte range: "${text}" (use START-END, START- or -N)`,
    )
  }
  if (first === '') return { suffixLength: Number(last) }
  if (last === '') return { first: Number(first) }
  if (Number(last) < Number(first)) {
    throw new FormatError('ERR_FORMAT_RANGE_INVALID', `range ${text} ends before it starts`)
  }
  return { first: Number(first), last: Number(last) }
}
