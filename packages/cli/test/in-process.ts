import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import type { Io } from '../src/io.js'
import { main } from '../src/main.js'

/** What one in-process `latch` command printed and returned. */
export interface InProcessResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

function collector(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = []
  return {
    stream: new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
        callback()
      },
    }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  }
}

/**
 * Runs `latch ARGS` through {@link main} in this process, with `env` as its whole environment
 * (plus an empty `XDG_CONFIG_HOME`, so no saved login leaks in). `stopped` resolves when given
 * (`latch server` and `latch dev` run until it does).
 */
export async function runInProcess(
  args: readonly string[],
  env: Record<string, string>,
  stopped: Promise<void> = new Promise(() => undefined),
): Promise<InProcessResult> {
  const out = collector()
  const err = collector()
  const stdin = new PassThrough()
  stdin.end()
  const io: Io = {
    stdin,
    stdout: out.stream,
    stderr: err.stream,
    env: { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'latch-config-')), ...env },
    stopped,
  }
  const code = await main(args, io)
  return { code, stdout: out.text(), stderr: err.text() }
}
