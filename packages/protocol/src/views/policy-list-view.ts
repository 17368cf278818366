import { type Static, Type } from 'typebox'
import { refTo } from '../internal/ref-to.js'
import { PolicyViewSchema } from './policy-view.js'

/** The schema of {@link PolicyListView}. */
export const PolicyListViewSchema = Type.Object({
  items: Type.Array(refTo(PolicyViewSchema)),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'the cursor of the next page, null after the last',
  }),
  total: Type.Optional(
    Type.Integer({ description: 'asked with total=true: how many policies match, on every page' }),
  ),
})

/**
 * One page of policies (`GET /v1/policies`), newest first (by creation time, then id), with their
 * objects; `nextCursor` asks for the next page (`null` after the last), and `total` (asked for
 * with `total=true`) counts every policy that matches. Policies created while a caller pages come
 * before the first page, so paging neither skips nor repeats one.
 */
export type PolicyListView = Static<typeof PolicyListViewSchema>
