import type { AnyErrorCode } from './exit-codes.js'

/**
 * What to do about an error, printed after its message (`latch: … (CODE): hint`), for the codes
 * where the user can act on it; most codes have none.
 */
export const hintFor = {
  ERR_AUTH_REQUIRED: 'check LATCH_TOKEN',
  ERR_AUTH_INVALID: 'check LATCH_TOKEN',
  ERR_CLIENT_UNAVAILABLE: 'is the key server running? check LATCH_SERVER',
  ERR_ACCESS_FORBIDDEN: 'ask an admin',
  ERR_ACCESS_DENIED:
    'the key server refused the key (not the owner or a reader, revoked, expired or locked down)',
  ERR_S3_UNAVAILABLE: 'is S3 reachable? check AWS_ENDPOINT_URL_S3 and your network',
  ERR_S3_ACCESS_DENIED: 'check your AWS credentials',
  ERR_FORMAT_DECRYPT_FAILED: 'the object was modified or corrupted; nothing unverified was written',
} as const satisfies Partial<Record<AnyErrorCode, string>>
