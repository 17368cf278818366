import { ProjectError } from '@latch/format'
import type { ServerErrorCode } from '@latch/protocol'

/**
 * An error of the key server, its store, its audit chain or its authentication. Its `code` comes
 * from the closed union {@link ServerErrorCode} of `@latch/protocol` (`docs/errors.md`), which
 * also holds the HTTP status of each code; the exit code is in the CLI's table. The audit code's
 * own failures are `AuditError`s (`@latch/audit`): where one reaches a route it is a bug of the
 * server's, answered as `ERR_INTERNAL`.
 */
export class ServerError extends ProjectError<ServerErrorCode> {}
