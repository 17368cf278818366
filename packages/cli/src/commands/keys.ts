import { DEFAULTS } from '@latch/server/defaults'
import { Command } from 'commander'
import { keyServerFor } from '../config.js'
import type { Io } from '../io.js'
import { printable } from '../printable.js'

/**
 * `latch keys`: `rotate` (a new wrap key for new files; old keys keep decrypting; prints the kid)
 * and `list` go through the key server; `reseal` (move every server key to another root-key
 * custody, in one audited transaction) and `custody-init` (create the root key in a PKCS#11
 * token) work on the server's database and custody directly, on the machine of the server.
 */
export function keysCommand(io: Io): Command {
  const keys = new Command('keys').description("manage the key server's keys (admin)")
  keys
    .command('rotate')
    .description('add a wrap key for new files; existing files keep working')
    .action(async () => {
      const { kid } = await keyServerFor(io).rotateKey()
      io.stdout.write(`${printable(kid)}\n`)
    })
  keys
    .command('list')
    .description('the public wrap keys, current first')
    .action(async () => {
      const set = await keyServerFor(io).keys()
      for (const key of set.keys) {
        io.stdout.write(`${printable(key.kid)}${key.kid === set.current ? '  (current)' : ''}\n`)
      }
    })
  keys
    .command('reseal')
    .description(
      'move every server key to another root-key custody, in one audited transaction; running servers keep serving (docs/DEPLOYMENT.md)',
    )
    .requiredOption(
      '--to <custody>',
      'the new custody: root-key:FILE, a pkcs11: URI or aws-kms:KEY',
    )
    .option(
      '--from <custody>',
      'the custody the keys are under now (default: LATCH_CUSTODY, else the root key)',
      io.env.LATCH_CUSTODY ?? DEFAULTS.custody.default,
    )
    .option('--data <dir>', DEFAULTS.dataDir.description, DEFAULTS.dataDir.default)
    .option(
      '--database <url>',
      DEFAULTS.database.description,
      io.env.LATCH_DATABASE ?? DEFAULTS.database.default,
    )
    .option(
      '--database-password-file <file>',
      DEFAULTS.databasePasswordFile.description,
      io.env.LATCH_DATABASE_PASSWORD_FILE ?? DEFAULTS.databasePasswordFile.default,
    )
    .option('--kas-id <id>', DEFAULTS.kasId.description, DEFAULTS.kasId.default)
    .action(async (options: ResealFlags) => {
      const { resealServerKeys } = await import('@latch/server')
      const result = await resealServerKeys({
        from: options.from,
        to: options.to,
        dataDir: options.data,
        database: options.database,
        databasePasswordFile: options.databasePasswordFile,
        kasId: options.kasId,
        env: io.env,
      })
      for (const kid of result.resealed) io.stdout.write(`${printable(kid)}  resealed\n`)
      for (const kid of result.already)
        io.stdout.write(`${printable(kid)}  already under the new custody\n`)
      io.stderr.write(
        `${result.resealed.length} key(s) moved from ${printable(result.from)} to ${printable(result.to)}; restart each server with --custody set to the new custody\n`,
      )
    })
  keys
    .command('custody-init')
    .description('create the root key (AES-256, not extractable) in the PKCS#11 token of --custody')
    .requiredOption('--custody <uri>', 'a pkcs11: URI (token, object, module-path, pin-source)')
    .action(async (options: { custody: string }) => {
      const { createCustodyKey } = await import('@latch/server')
      const created = await createCustodyKey(options.custody, io.env)
      io.stderr.write(
        created
          ? 'root key created in the token\n'
          : 'the token holds that key already; nothing created\n',
      )
    })
  return keys
}

interface ResealFlags {
  to: string
  from: string
  data: string
  database: string
  databasePasswordFile: string
  kasId: string
}
