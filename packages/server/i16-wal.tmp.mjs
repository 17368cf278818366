import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openSqliteStore } from './dist/store/sqlite/open-sqlite-store.js'

const bounds = { maxUnsignedRecords: 1e9, maxUnsignedAgeMs: 1e12 }
for (const auto of [1000, 0, 1000, 0]) {
  const file = join(mkdtempSync('/tmp/i16-wal-'), 'latch.db')
  const store = openSqliteStore({ file, tailBounds: bounds })
  // reach the connection: private; set the pragma through a second connection is not per-connection... use hack
  const db = Object.values(store).find((v) => v instanceof Database)
  const dbp = db ?? null
  if (auto === 0) {
    // wal_autocheckpoint is per connection
    const any = store
    for (const k of Object.getOwnPropertySymbols(any)) {
    }
  }
  const s = performance.now()
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < 5000; i++)
    await store.appendAudit({
      type: 'key.release',
      actor: 'a@x.org',
      request_id: 'r' + i,
      pad: 'x'.repeat(300),
    })
  const c = process.cpuUsage(cpu0)
  console.log(
    auto,
    'wall µs/append',
    (((performance.now() - s) / 5000) * 1000).toFixed(0),
    'cpu µs',
    ((c.user + c.system) / 5000).toFixed(0),
    'sys',
    (c.system / 5000).toFixed(0),
  )
  await store.close()
}
