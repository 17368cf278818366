import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsCommand,
  type S3Client,
} from '@aws-sdk/client-s3'

/** Creates a bucket with a fresh name. */
export async function createBenchBucket(client: S3Client, prefix: string): Promise<string> {
  const bucket = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  return bucket
}

/** Deletes every object of a bucket (1,000 per request), then the bucket. */
export async function removeBenchBucket(client: S3Client, bucket: string): Promise<void> {
  await emptyBenchBucket(client, bucket)
  await client.send(new DeleteBucketCommand({ Bucket: bucket }))
}

/**
 * Deletes every object of a bucket, 1,000 per request. The benchmark's keys hold no `/`: s3rver
 * 3.7 deletes a batch in parallel and each deletion removes its emptied "directory", so keys that
 * share a prefix race and the batch fails (ENOENT, 500 InternalError). It lists with
 * ListObjects (v1): s3rver's ListObjectsV2 fails (500) on any truncated listing, because its
 * continuation token uses DES, which OpenSSL 3 no longer offers.
 */
export async function emptyBenchBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const listed = await client.send(new ListObjectsCommand({ Bucket: bucket }))
    const keys = (listed.Contents ?? []).flatMap((o) =>
      o.Key === undefined ? [] : [{ Key: o.Key }],
    )
    if (keys.length === 0) return
    await client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
    )
  }
}
