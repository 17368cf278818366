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

/** For commands that run until stopped (`latch server`, `latch dev`). */
export interface WhileRunning {
  /** True once the command is ready (it printed what this waits for). */
  readonly ready: (stdout: string, stderr: string) => boolean
  /** Runs while the command runs; the command is stopped when it settles. */
  readonly meanwhile: (stdout: string, stderr: string) => Promise<void>
}

function collector(onWrite: () => void): { stream: Writable; text(): string } {
  const chunks: Buffer[] = []
  return {
    stream: new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
        callback()
        onWrite()
      },
    }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  }
}

/**
 * Runs `latch ARGS` through {@link main} in this process, with `env` as its whole environment
 * (plus an empty `XDG_CONFIG_HOME`, so no saved login leaks in). A command that runs until
 * stopped is given `whileRunning`: once `ready`, `meanwhile` runs, and the command is stopped after it.
 */
export async function runInProcess(
  args: readonly string[],
  env: Record<string, string>,
  whileRunning?: WhileRunning,
): Promise<InProcessResult> {
  let stop = (): void => undefined
  const stopped = new Promise<void>((resolve) => {
    stop = resolve
  })
  let started = false
  let during: Promise<void> = Promise.resolve()
  const check = () => {
    if (whileRunning === undefined || started || !whileRunning.ready(out.text(), err.text())) return
    started = true
    during = whileRunning.meanwhile(out.text(), err.text()).finally(stop)
    // Awaited after main returns; until then, a failure must not count as unhandled.
    during.catch(() => undefined)
  }
  const out = collector(check)
  const err = collector(check)
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
  await during
  return { code, stdout: out.text(), stderr: err.text() }
}
