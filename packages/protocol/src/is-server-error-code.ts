import { SERVER_ERROR_CODES, type ServerErrorCode } from './server-error-code.js'

const KNOWN: ReadonlySet<string> = new Set(SERVER_ERROR_CODES)

/**
 * Whether `value` is a code of this version's {@link ServerErrorCode}. A newer server may answer
 * a code this one does not know: read it with {@link fallbackCodeFor}.
 *
 * @param value - The `code` of an error answer, of any type.
 * @returns `true` when it is one of {@link SERVER_ERROR_CODES}.
 */
export function isServerErrorCode(value: unknown): value is ServerErrorCode {
  return typeof value === 'string' && KNOWN.has(value)
}
