import { ServerError } from '../errors.js'
import type { NewPolicyObject } from '../store/records.js'

/**
 * An object to register, with `bucket` and `key` both or neither.
 * @throws ServerError `ERR_REQUEST_INVALID`
 */
export function locatedObject(object: {
  objectId: string
  coreHash: string
  bucket?: string
  key?: string
}): NewPolicyObject {
  const { objectId, coreHash, bucket, key } = object
  // A bucket without a key lies under no prefix, so no bucket lockdown would cover it.
  if ((bucket === undefined) !== (key === undefined)) {
    throw new ServerError('ERR_REQUEST_INVALID', 'bucket and key go together: give both or neither')
  }
  return { objectId, coreHash, bucket, key }
}
