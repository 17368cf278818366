import { ProjectError } from '@latch/format'

/**
 * Failures of the command line itself:
 * - `ERR_CLI_USAGE`: arguments that do not make sense (commander's own errors map here too).
 * - `ERR_CLI_NOT_FOUND`: a local file or directory that does not exist.
 * - `ERR_CLI_AUDIT_INVALID`: `latch audit verify` found the chain or a checkpoint tampered with.
 */
export type CliErrorCode = 'ERR_CLI_USAGE' | 'ERR_CLI_NOT_FOUND' | 'ERR_CLI_AUDIT_INVALID'

/** Every code of {@link CliErrorCode}. */
export const CLI_ERROR_CODES = Object.freeze([
  'ERR_CLI_USAGE',
  'ERR_CLI_NOT_FOUND',
  'ERR_CLI_AUDIT_INVALID',
] as const satisfies readonly CliErrorCode[])

/** An error of the command line. */
export class CliError extends ProjectError<CliErrorCode> {}
