import { type Static, type TSchema, Type } from 'typebox'

/**
 * A `$ref` to a schema registered by its `$id` (a component of the OpenAPI document), typed as
 * the schema it points to, so that handlers and clients keep its static type.
 *
 * @throws TypeError when `schema` has no `$id` (a mistake in this package, seen at load time).
 */
export function refTo<S extends TSchema>(schema: S) {
  const id = (schema as { readonly $id?: unknown }).$id
  if (typeof id !== 'string') throw new TypeError('refTo: the schema has no $id')
  return Type.Unsafe<Static<S>>(Type.Ref(id))
}
