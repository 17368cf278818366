import { createDatabase } from '@latch/testkit/postgres'
import { inject } from 'vitest'
import { openPostgresStore } from '../src/store/postgres/postgres-store.js'
import { describeStoreContract } from './store-contract.js'

describeStoreContract('postgres', async (bounds) =>
  openPostgresStore({
    url: await createDatabase(inject('postgresUrl')),
    tailBounds: bounds ?? { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 },
  }),
)
