import { createReadStream, existsSync } from 'node:fs'
import type { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Command } from 'commander'
import { latchFor } from '../config.js'
import { CliError } from '../errors.js'
import type { Io } from '../io.js'
import { collectEmails, parseExpiry } from '../parse-expiry.js'
import { printable } from '../printable.js'

/**
 * `latch encrypt IN|- -o OUT|- [--share …] [--expires …]`: a local Latch object, no S3. The policy
 * id goes to stdout, or to stderr when the object itself goes to stdout.
 */
export function encryptCommand(io: Io): Command {
  return new Command('encrypt')
    .description('encrypt a local file (or stdin) under a new policy; no S3')
    .argument('<input>', 'a local file, or - for stdin')
    .requiredOption('-o, --output <output>', 'the encrypted file, or - for stdout')
    .option('--share <emails>', 'readers besides you (comma-separated)', collectEmails)
    .option('--expires <when>', 'stop releasing the key after 30d, 12h, 90m or an ISO 8601 time')
    .option(
      '--split <urls>',
      'split the key between two key servers, URL1,URL2: reading needs both (default: LATCH_SPLIT)',
    )
    .action(
      async (
        input: string,
        options: { output: string; share?: string[]; expires?: string; split?: string },
      ) => {
        const source = openInput(input, io)
        const latch = latchFor(io, options.split)
        const policy = {
          ...(options.share === undefined ? {} : { readers: options.share }),
          ...(options.expires === undefined ? {} : { expiresAt: parseExpiry(options.expires) }),
        }
        let encrypted: { policyId: string; objectId: string; coreHash: string }
        if (options.output === '-') {
          const { transform, headerSize: _h, ...rest } = await latch.encryptTransform(policy)
          await pipeline(source, transform, io.stdout as Writable)
          encrypted = rest
        } else {
          encrypted = await latch.encryptFile(source, options.output, policy)
        }
        await latch.registerObject(encrypted.policyId, encrypted)
        const out = options.output === '-' ? io.stderr : io.stdout
        out.write(`${printable(encrypted.policyId)}\n`)
      },
    )
}

/**
 * `latch decrypt IN|- -o OUT|-`: decrypts a local Latch object. A file output appears only once
 * every segment verified.
 */
export function decryptCommand(io: Io): Command {
  return new Command('decrypt')
    .description('decrypt a local Latch object (or stdin)')
    .argument('<input>', 'a Latch object, or - for stdin')
    .requiredOption('-o, --output <output>', 'the decrypted file, or - for stdout')
    .option(
      '--split <urls>',
      'the two key servers of a split file, URL1,URL2 (default: LATCH_SPLIT)',
    )
    .action(async (input: string, options: { output: string; split?: string }) => {
      const source = openInput(input, io)
      await latchFor(io, options.split).decryptFile(
        source,
        options.output === '-' ? (io.stdout as Writable) : options.output,
      )
    })
}

function openInput(input: string, io: Io): Readable {
  if (input === '-') return io.stdin as Readable
  if (!existsSync(input)) throw new CliError('ERR_CLI_NOT_FOUND', `no such file: ${input}`)
  return createReadStream(input, { highWaterMark: 65_552 * 16 })
}
