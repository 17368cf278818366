import { FormatError } from '@latch/format'

/** The error for an S3 object that does not start with a Latch header (plain, empty, foreign). */
export function notLatchObject(where: string): FormatError {
  return new FormatError(
    'ERR_FORMAT_HEADER_INVALID',
    `${where} is not a Latch object (it was not written by Latch, or not encrypted)`,
  )
}
