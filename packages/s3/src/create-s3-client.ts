import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'

/**
 * An `S3Client` with the SDK's own configuration (credential chain, `AWS_REGION`,
 * `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`) and two Latch defaults: path-style addressing when a
 * custom endpoint is set (local and on-premises S3 servers), and checksums only when an operation
 * requires them — the SDK's default `aws-chunked` streaming checksums are refused by Ceph 16.2
 * (411) and stored verbatim inside the object by s3rver. Latch objects carry their own
 * authentication (a GCM tag per 64 KiB segment), so nothing is lost.
 */
export function createS3Client(
  config: S3ClientConfig = {},
  env: Record<string, string | undefined> = process.env,
): S3Client {
  const endpoint = config.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL
  return new S3Client({
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
    // A local endpoint needs no real region, but the SDK insists on one.
    ...(endpoint !== undefined &&
    env.AWS_REGION === undefined &&
    env.AWS_DEFAULT_REGION === undefined
      ? { region: 'us-east-1' }
      : {}),
    ...config,
  })
}
