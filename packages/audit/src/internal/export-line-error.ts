import { AuditError } from '../audit-error.js'

/** A malformed line of an audit export, named by its number (from 1). */
export function exportLineError(number: number, reason: string): AuditError {
  return new AuditError('ERR_AUDIT_EXPORT_INVALID', `audit export line ${number}: ${reason}`)
}
