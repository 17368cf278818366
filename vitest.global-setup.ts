import { s3TestEndpoint } from '@latch/testkit/ceph-rgw'
import { postgresTestServer } from '@latch/testkit/postgres'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    cephS3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string }
    /** A PostgreSQL superuser URL: tests create a database each (`createDatabase`). */
    postgresUrl: string
  }
}

// The integration tier runs against a real S3: Ceph's RADOS Gateway on loopback, started once
// for the run (`.ci/run` starts it and passes LATCH_TEST_S3_*; locally the first run installs it),
// and a real PostgreSQL (`.ci/run` passes LATCH_TEST_PG_URL; locally a throw-away cluster).
export default async function setup(project: TestProject) {
  const [s3, postgres] = await Promise.all([s3TestEndpoint(), postgresTestServer()])
  project.provide('cephS3', {
    endpoint: s3.endpoint,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    region: s3.region,
  })
  project.provide('postgresUrl', postgres.url)
  return async () => {
    await Promise.all([s3.stop(), postgres.stop()])
  }
}
