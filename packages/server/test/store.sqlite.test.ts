import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import { describeStoreContract } from './store-contract.js'

describeStoreContract('sqlite', async (bounds) =>
  openSqliteStore({
    file: join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db'),
    tailBounds: bounds ?? { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 },
  }),
)
