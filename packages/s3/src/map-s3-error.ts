import { ProjectError } from '@latch/format'
import { S3Error } from './errors.js'

interface SdkError {
  readonly name?: string
  readonly $fault?: 'client' | 'server'
  readonly $metadata?: { readonly httpStatusCode?: number }
  readonly message?: string
}

const NOT_FOUND = new Set([
  'NoSuchKey',
  'NoSuchBucket',
  'NoSuchVersion',
  'NotFound',
  'NoSuchUpload',
])
const CHANGED = new Set(['PreconditionFailed'])

/**
 * Maps an error of the AWS SDK (or of the network under it) to an {@link S3Error} that says what
 * happened to `where` (`s3://bucket/key`). Our own errors (any `ProjectError`: an `S3Error`, or
 * the key server's refusal met inside a protected client's `send`) and aborts pass through
 * unchanged.
 */
export function mapS3Error(error: unknown, where: string): unknown {
  // Our errors carry a `code` too: they must not read as a network failure below.
  if (error instanceof ProjectError) return error
  if (!(error instanceof Error)) return error
  if (error.name === 'AbortError') return error
  const sdk = error as SdkError
  const status = sdk.$metadata?.httpStatusCode
  const name = sdk.name ?? ''
  if (/Region is missing/i.test(error.message)) {
    return new S3Error(
      'ERR_S3_ARGUMENT_INVALID',
      'no AWS region configured: set AWS_REGION (or AWS_ENDPOINT_URL_S3 for a local S3)',
      { cause: error },
    )
  }
  if (sdk.$fault === undefined && status === undefined) {
    // The SDK's fetch and HTTP/2 handlers name a time-out `TimeoutError` and give it no code.
    if (
      error.name === 'TimeoutError' ||
      'code' in error ||
      /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|socket|network/i.test(error.message)
    ) {
      return new S3Error('ERR_S3_UNAVAILABLE', `cannot reach S3 for ${where}: ${error.message}`, {
        cause: error,
      })
    }
    return error
  }
  if (NOT_FOUND.has(name) || status === 404) {
    return new S3Error('ERR_S3_NOT_FOUND', `${where} does not exist`, { cause: error })
  }
  if (CHANGED.has(name) || status === 412) {
    return new S3Error('ERR_S3_CHANGED', `${where} changed while it was being read`, {
      cause: error,
    })
  }
  if (
    status === 403 ||
    name === 'AccessDenied' ||
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch'
  ) {
    return new S3Error(
      'ERR_S3_ACCESS_DENIED',
      `S3 refused access to ${where} (${name || status})`,
      { cause: error },
    )
  }
  if (sdk.$fault === 'server' || (status !== undefined && status >= 500)) {
    return new S3Error('ERR_S3_UNAVAILABLE', `S3 failed on ${where} (${name || status})`, {
      cause: error,
    })
  }
  return new S3Error(
    'ERR_S3_REQUEST_FAILED',
    `S3 refused ${where}: ${name || status} ${sdk.message ?? ''}`.trim(),
    { cause: error },
  )
}
