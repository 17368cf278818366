import { AuditError } from './audit-error.js'

/**
 * A value an audit record may hold: JSON without floating point. Numbers must be safe integers,
 * so that every record has exactly one canonical serialization (RFC 8785 writes floats through
 * ECMAScript's shortest round-trip form, which we never need).
 */
export type AuditValue =
  | null
  | boolean
  | number
  | string
  | AuditValue[]
  | { [k: string]: AuditValue }

// Records are shallow; the bound turns a reference cycle into our error, not a stack overflow.
const MAX_DEPTH = 32

/**
 * Serializes a value as canonical JSON, RFC 8785 (JCS) restricted to {@link AuditValue}: object
 * members sorted by the UTF-16 code units of their names, no whitespace, strings written as
 * `JSON.stringify` writes them, integers in plain decimal (`-0` as `0`).
 *
 * Strings are not checked for lone surrogates (which RFC 8785's I-JSON forbids): `JSON.stringify`
 * escapes them as `\udxxx`, which parses back to the same string, so an attacker-supplied value
 * (an email claim, a user agent) can always be recorded rather than failing the request unlogged.
 *
 * @param value a plain value: no `undefined` (omit the member instead), no class instances.
 * @returns the canonical text; encode it as UTF-8 for the record bytes.
 * @throws AuditError `ERR_AUDIT_ARGUMENT_INVALID` for a number that is not a safe integer,
 *   `undefined`, a function, a symbol, a bigint, an object that is not a plain object or array,
 *   or nesting deeper than 32 levels.
 * @example
 * canonicalJson({ seq: 1, type: 'key.release', actor: { email: 'a@example.com' } })
 * // '{"actor":{"email":"a@example.com"},"seq":1,"type":"key.release"}'
 */
export function canonicalJson(value: AuditValue): string {
  return write(value, 0, '(root)')
}

function write(value: unknown, depth: number, name: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      if (!Number.isSafeInteger(value)) throw invalid(`${name} is not a safe integer`)
      return String(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      if (value === null) return 'null'
      if (depth >= MAX_DEPTH) throw invalid(`${name} is nested more than ${MAX_DEPTH} levels deep`)
      return Array.isArray(value)
        ? writeArray(value, depth + 1, name)
        : writeObject(value, depth + 1, name)
    default:
      throw invalid(
        `${name} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}`,
      )
  }
}

function writeArray(array: readonly unknown[], depth: number, name: string): string {
  let out = '['
  for (let i = 0; i < array.length; i++) {
    if (i > 0) out += ','
    out += write(array[i], depth, name)
  }
  return `${out}]`
}

function writeObject(object: object, depth: number, name: string): string {
  const prototype = Object.getPrototypeOf(object)
  if (prototype !== Object.prototype && prototype !== null) {
    throw invalid(`${name} is not a plain object`)
  }
  const record = object as Record<string, unknown>
  // The default sort compares UTF-16 code units, which is exactly RFC 8785's member order.
  const keys = Object.keys(record).sort()
  let out = '{'
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    if (i > 0) out += ','
    out += `${JSON.stringify(key)}:${write(record[key], depth, key)}`
  }
  return `${out}}`
}

function invalid(reason: string): AuditError {
  return new AuditError('ERR_AUDIT_ARGUMENT_INVALID', `canonical JSON: ${reason}`)
}
