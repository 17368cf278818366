/**
 * The `latch` command as a library: {@link main} runs a command line in-process and returns its
 * exit code (`bin.ts` is the only caller of `process.exit`).
 *
 * @packageDocumentation
 */
export { CLI_ERROR_CODES, CliError, type CliErrorCode } from './errors.js'
export { type AnyErrorCode, EX, exitCodeFor } from './exit-codes.js'
export type { Io } from './io.js'
export { main } from './main.js'
