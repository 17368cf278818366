import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DEFAULTS } from '@latch/server/defaults'
import { Command } from 'commander'
import type { Io } from '../io.js'
import { writePrivateFile } from '../write-private-file.js'
import { parsePort } from './parse-flags.js'

/** The bucket `latch dev` creates. */
export const DEV_BUCKET = 'latch-dev'

/**
 * `latch dev [--data DIR]`: the key server on SQLite plus a local S3-compatible endpoint (s3rver,
 * files under DIR/s3) with a `latch-dev` bucket, for trying Latch on one machine. Prints the
 * `export …` lines that point the CLI and the AWS SDK at them (also saved to DIR/env), and runs
 * until Ctrl-C. Not for production: s3rver is a test double of S3, and the admin token is shared.
 */
export function devCommand(io: Io): Command {
  return new Command('dev')
    .description('key server + local S3 endpoint for trying Latch; prints the export lines')
    .option(
      '--data <dir>',
      'where the key server and the local S3 keep their data',
      DEFAULTS.dataDir.default,
    )
    .option('--port <port>', 'key-server port', parsePort, DEFAULTS.port.default)
    .option('--s3-port <port>', 'local S3 port', parsePort, 8401)
    .action(async (options: { data: string; port: number; s3Port: number }) => {
      const [{ startServer }, { default: S3rver }] = await Promise.all([
        import('@latch/server'),
        import('s3rver'),
      ])
      const dataDir = resolve(options.data)
      mkdirSync(join(dataDir, 's3'), { recursive: true, mode: 0o700 })
      const s3 = new S3rver({
        address: '127.0.0.1',
        port: options.s3Port,
        silent: true,
        directory: join(dataDir, 's3'),
        configureBuckets: [{ name: DEV_BUCKET }],
      })
      const s3Address = await s3.run()
      let server: Awaited<ReturnType<typeof startServer>>
      try {
        server = await startServer({
          dataDir,
          port: options.port,
          logger: { level: 'warn', stream: io.stderr },
        })
      } catch (error) {
        await s3.close()
        throw error
      }
      const tokenFile = join(dataDir, 'admin.token')
      const token = existsSync(tokenFile)
        ? readFileSync(tokenFile, 'utf8').trim()
        : '<your API token>'
      const exports = [
        `export LATCH_SERVER=${server.url}`,
        `export LATCH_TOKEN=${token}`,
        `export AWS_ENDPOINT_URL_S3=http://127.0.0.1:${s3Address.port}`,
        'export AWS_ACCESS_KEY_ID=S3RVER',
        'export AWS_SECRET_ACCESS_KEY=S3RVER',
        'export AWS_REGION=us-east-1',
      ].join('\n')
      writePrivateFile(join(dataDir, 'env'), `${exports}\n`)
      io.stdout.write(`${exports}\n`)
      io.stderr.write(
        `latch dev: key server ${server.url}, S3 http://127.0.0.1:${s3Address.port} (bucket ${DEV_BUCKET}), data in ${dataDir}\n` +
          `web console: ${server.url}/console (sign in with the LATCH_TOKEN above)\n` +
          `in another shell: source ${join(dataDir, 'env')}   (Ctrl-C here stops both)\n`,
      )
      await io.stopped
      await server.close()
      await s3.close()
    })
}
