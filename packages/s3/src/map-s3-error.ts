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
 * happened to `where` (`s3://bucket/key`). Our own errors and aborts pass through unchanged.
 */
export function mapS3Error(error: unknown, where: string): unknown {
  if (error instanceof S3Error) return error
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
    if ('code' in error || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|socket|network/i.test(error.message)) {
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
