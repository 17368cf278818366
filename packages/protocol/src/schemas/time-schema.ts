import { Type } from 'typebox'

/**
 * A time given in a request: RFC 3339 with seconds and a zone (`Z` or ±hh:mm), e.g.
 * `2030-01-31T18:00:00Z` or `2030-01-31T19:00:00.5+01:00`. The schema checks the shape; the
 * server also refuses, with 400, what JavaScript cannot represent (a leap second).
 */
export const TimeSchema = Type.String({
  format: 'date-time',
  maxLength: 64,
  pattern: '^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$',
  description: 'an RFC 3339 time: 2030-01-31T18:00:00Z',
})
