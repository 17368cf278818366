import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms'
import { createCustodyKey, startServer } from '@latch/server'
import { startMotoServer } from '@latch/testkit/moto-server'
import { SOFTHSM_MODULE, softHsm } from '@latch/testkit/softhsm'
import { printTable, type Row } from '../shared/report.js'

const PIN = '100200'

/**
 * Start-up with the root key in each custody: the time `startServer` spends opening the custody
 * and unsealing every server key (`services.unsealMs`), best of `rounds`, for a server with 2
 * keys (a first start's) and with `keys` keys (many rotations), next to the local root key
 * measured in the same run. PKCS#11 is Debian's SoftHSM2; KMS is moto's server on loopback (an
 * emulator: a real KMS adds its network round trip, once, as the unseals run concurrently).
 */
export async function benchCustodyStartup(keys: number, rounds: number): Promise<void> {
  const hsm = softHsm()
  hsm.initToken('bench', PIN)
  process.env.LATCH_PKCS11_PIN = PIN
  process.env.AWS_ACCESS_KEY_ID ??= 'bench'
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench'
  const moto = await startMotoServer()
  const dirs: string[] = []
  try {
    const pkcs11 = `pkcs11:token=bench;object=latch-root?module-path=${SOFTHSM_MODULE}`
    await createCustodyKey(pkcs11)
    const kms = new KMSClient({ region: 'eu-west-1', endpoint: moto.endpoint })
    const key = await kms.send(new CreateKeyCommand({}))
    await kms.send(
      new CreateAliasCommand({ AliasName: 'alias/bench', TargetKeyId: key.KeyMetadata?.KeyId }),
    )
    kms.destroy()
    const custodies = [
      { label: 'local root key', custody: '' },
      { label: 'PKCS#11 (SoftHSM2)', custody: pkcs11 },
      {
        label: 'AWS KMS (moto)',
        custody: `aws-kms:alias/bench?region=eu-west-1&endpoint=${encodeURIComponent(moto.endpoint)}`,
      },
    ]
    const rows: Row[] = []
    for (const count of [2, keys]) {
      let baseline = 0
      for (const { label, custody } of custodies) {
        const dir = mkdtempSync(join(tmpdir(), 'latch-bench-custody-'))
        dirs.push(dir)
        const first = await startServer({ dataDir: dir, port: 0, logger: false, custody })
        const actor = { ...SYSTEM, tokenId: undefined } as Parameters<
          typeof first.services.keys.rotate
        >[0]
        for (let i = 2; i < count; i++) await first.services.keys.rotate(actor, undefined)
        await first.close()
        let best = Number.POSITIVE_INFINITY
        for (let round = 0; round < rounds; round++) {
          const server = await startServer({ dataDir: dir, port: 0, logger: false, custody })
          best = Math.min(best, server.services.unsealMs)
          await server.close()
        }
        if (custody === '') baseline = best
        rows.push({
          what: `${label}, ${count} keys: open custody and store, unseal all`,
          value: best,
          unit: 'ms',
          ...(custody === '' ? {} : { ratio: best / baseline }),
          goal: '< 2,000 ms',
        })
      }
    }
    printTable(`Start-up unseal by root-key custody (best of ${rounds})`, rows)
  } finally {
    await moto.stop()
    hsm.remove()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}

const SYSTEM = { email: 'system', role: 'admin', mayAssignOwner: true, scheme: 'system' }
