import { createReadStream, existsSync } from 'node:fs'
import {
  AuditError,
  type CheckpointVerifierKey,
  readAuditExport,
  verifyAuditLog,
} from '@latch/audit'
import { CliError } from '../../errors.js'
import type { VerifiedLog } from './verified-log.js'

/**
 * Verifies an audit export offline (`latch audit verify --file`), streaming its records: only
 * `@latch/audit` and the pinned key take part, never the key server's code.
 *
 * @param file the export (`latch audit export`).
 * @param key the pinned checkpoint key.
 * @param anchor a checkpoint note kept elsewhere, which the export must hold.
 * @returns the verified log.
 * @throws CliError `ERR_CLI_NOT_FOUND` when there is no such file; AuditError
 *   `ERR_AUDIT_EXPORT_INVALID` naming the file and line of a malformed export.
 */
export async function verifyExportFile(
  file: string,
  key: CheckpointVerifierKey,
  anchor: string | undefined,
): Promise<VerifiedLog> {
  if (!existsSync(file)) throw new CliError('ERR_CLI_NOT_FOUND', `no file ${file}`)
  try {
    const exported = await readAuditExport(createReadStream(file))
    const { header: _header, checkpoints: _checkpoints, ...input } = exported
    const report = await verifyAuditLog({
      ...input,
      key,
      ...(anchor === undefined ? {} : { anchor }),
    })
    return { ...report, key, origin: exported.origin }
  } catch (error) {
    if (error instanceof AuditError && error.code === 'ERR_AUDIT_EXPORT_INVALID') {
      throw new AuditError(error.code, `${file}: ${error.message}`, { cause: error })
    }
    throw error
  }
}
