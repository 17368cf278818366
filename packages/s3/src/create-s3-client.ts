import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'

/**
 * An `S3Client` with the SDK's own configuration (credential chain, `AWS_REGION`,
 * `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`) and two Latch defaults: path-style addressing when a
 * custom endpoint is set (local and on-premises S3 servers), and checksums only when an operation
 * requires them — the SDK's default `aws-chunked` streaming checksums are refused by Ceph 16.2
 * (411) and stored verbatim inside the object by s3rver. Latch objects carry their own
 * authentication (a GCM tag per 64 KiB segment), so nothing is lost.
 *
 * @param env the environment to read; when it is not `process.env` (tests, embedding), its
 *   region and access keys are used too, since the SDK's chain reads only `process.env`.
 */
export function createS3Client(
  config: S3ClientConfig = {},
  env: Record<string, string | undefined> = process.env,
): S3Client {
  const endpoint = config.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL
  const region =
    env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (endpoint === undefined ? undefined : 'us-east-1')
  const foreign = env !== process.env
  const keys =
    foreign && env.AWS_ACCESS_KEY_ID !== undefined && env.AWS_SECRET_ACCESS_KEY !== undefined
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN === undefined ? {} : { sessionToken: env.AWS_SESSION_TOKEN }),
          },
        }
      : {}
  return new S3Client({
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
    // A local endpoint needs no real region, but the SDK insists on one.
    ...(region === undefined || (!foreign && env.AWS_REGION === undefined && endpoint === undefined)
      ? {}
      : { region }),
    ...keys,
    ...config,
  })
}
