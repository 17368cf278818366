import { createHash } from 'node:crypto'
import { ServerError } from '../errors.js'
import type { PolicyPage } from '../store/records.js'

// The creation times the stores write (ISO 8601, milliseconds, UTC) and the policy ids headers
// carry: a cursor holds nothing else, so a forged one can only name a place in the order.
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const POLICY_ID = /^[A-Za-z0-9._:-]{1,255}$/

/**
 * The opaque `cursor` of a page of policies (`GET /v1/policies`): where the page before ended
 * (the last policy's creation time and id), bound to the query and the caller it was issued
 * for. The binding is a digest, not a secret: a cursor confers nothing (every page is read
 * within the caller's scope), it only lets a caller who mixes cursors up hear so rather than
 * get a page of another listing.
 */
export const policyCursor = {
  /**
   * @param after the last policy of the page.
   * @param binding what the cursor is for: the caller and the query's filters, as JSON values.
   * @returns the cursor (base64url).
   */
  encode(after: { readonly createdAt: Date; readonly id: string }, binding: unknown): string {
    const json = JSON.stringify([1, after.createdAt.toISOString(), after.id, digest(binding)])
    return Buffer.from(json, 'utf8').toString('base64url')
  },

  /**
   * @param cursor a cursor as received.
   * @param binding what it must have been issued for (as given to `encode`).
   * @returns where the next page starts.
   * @throws ServerError `ERR_CURSOR_INVALID` for anything `encode` did not write for `binding`.
   */
  decode(cursor: string, binding: unknown): NonNullable<PolicyPage['after']> {
    const bytes = Buffer.from(cursor, 'base64url')
    // Node's base64url decoder skips what it cannot read: only an exact round trip is ours.
    if (bytes.toString('base64url') === cursor) {
      let value: unknown
      try {
        value = JSON.parse(bytes.toString('utf8'))
      } catch {
        value = undefined
      }
      if (
        Array.isArray(value) &&
        value.length === 4 &&
        value[0] === 1 &&
        typeof value[1] === 'string' &&
        TIME.test(value[1]) &&
        isInstant(value[1]) &&
        typeof value[2] === 'string' &&
        POLICY_ID.test(value[2]) &&
        value[3] === digest(binding)
      ) {
        return { createdAt: new Date(value[1]), id: value[2] }
      }
    }
    throw new ServerError(
      'ERR_CURSOR_INVALID',
      'cursor is not one this listing gave: start again from the first page',
    )
  },
} as const

function isInstant(text: string): boolean {
  const time = Date.parse(text)
  return !Number.isNaN(time) && new Date(time).toISOString() === text
}

function digest(binding: unknown): string {
  return createHash('sha256').update(JSON.stringify(binding)).digest('base64url').slice(0, 16)
}
