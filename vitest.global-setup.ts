import { s3TestEndpoint } from '@latch/testkit/ceph-rgw'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    cephS3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string }
  }
}

// The integration tier runs against a real S3: Ceph's RADOS Gateway on loopback, started once
// for the run (`.ci/run` starts it and passes LATCH_TEST_S3_*; locally the first run installs it).
export default async function setup(project: TestProject) {
  const s3 = await s3TestEndpoint()
  project.provide('cephS3', {
    endpoint: s3.endpoint,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    region: s3.region,
  })
  return async () => {
    await s3.stop()
  }
}
