import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'

/** Debian's Firefox ESR, which `.ci/run` installs with apt. */
export const FIREFOX_PATH = '/usr/bin/firefox-esr'

/** A headless Firefox ESR driven over WebDriver BiDi: one page, navigate and evaluate. */
export interface Firefox {
  /** Loads `url` in the page and waits for its `load` event. */
  goto(url: string): Promise<void>
  /**
   * Evaluates `expression` in the page, awaiting it when it is a promise; resolves to its value
   * when that is a string, number, boolean or null (return JSON for anything else).
   *
   * @throws Error with the page's exception text.
   */
  evaluate(expression: string): Promise<unknown>
  close(): Promise<void>
}

interface BidiMessage {
  readonly id?: number
  readonly type?: string
  readonly error?: string
  readonly message?: string
  readonly result?: Record<string, unknown>
}

/**
 * Starts headless Firefox ESR with a fresh profile and connects over WebDriver BiDi (`ws`). This
 * is how Debian's Firefox is driven: Playwright needs its own patched Firefox build, which cannot
 * be downloaded here. A missing browser is an error, never a skip.
 *
 * @throws Error naming the package to install when `/usr/bin/firefox-esr` is not there.
 * @example
 * ```ts
 * const firefox = await launchFirefox()
 * await firefox.goto(url)
 * const text = await firefox.evaluate('runChecks()')
 * ```
 */
export async function launchFirefox(): Promise<Firefox> {
  if (!existsSync(FIREFOX_PATH)) {
    throw new Error(
      `no browser at ${FIREFOX_PATH}: install Debian's firefox-esr (apt-get install --no-install-recommends firefox-esr; .ci/run does)`,
    )
  }
  const profile = mkdtempSync(join(tmpdir(), 'latch-firefox-'))
  // Port 0: Firefox picks a free port and prints it.
  const child = spawn(
    FIREFOX_PATH,
    ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port', '0'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' },
    },
  )
  try {
    const endpoint = await bidiEndpoint(child)
    const socket = new WebSocket(`${endpoint}/session`)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    const pending = new Map<number, (message: BidiMessage) => void>()
    let nextId = 0
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as BidiMessage
      if (message.id !== undefined) pending.get(message.id)?.(message)
      pending.delete(message.id ?? -1)
    })
    const send = async (method: string, params: object): Promise<Record<string, unknown>> => {
      const id = ++nextId
      const reply = await new Promise<BidiMessage>((resolve) => {
        pending.set(id, resolve)
        socket.send(JSON.stringify({ id, method, params }))
      })
      if (reply.type === 'error') throw new Error(`${method}: ${reply.error}: ${reply.message}`)
      return reply.result ?? {}
    }
    await send('session.new', { capabilities: {} })
    const tree = (await send('browsingContext.getTree', {})) as {
      contexts: { context: string }[]
    }
    const context = tree.contexts[0]?.context as string
    return {
      async goto(url) {
        await send('browsingContext.navigate', { context, url, wait: 'complete' })
      },
      async evaluate(expression) {
        const result = (await send('script.evaluate', {
          expression,
          target: { context },
          awaitPromise: true,
        })) as {
          type: string
          result?: { value?: unknown }
          exceptionDetails?: { text?: string }
        }
        if (result.type === 'exception') throw new Error(result.exceptionDetails?.text)
        return result.result?.value
      },
      async close() {
        await send('session.end', {}).catch(() => {})
        socket.close()
        await stop(child)
        rmSync(profile, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await stop(child)
    rmSync(profile, { recursive: true, force: true })
    throw error
  }
}

function bidiEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`Firefox did not start: ${output}`)), 30_000)
    child.stderr?.on('data', (data: Buffer) => {
      output += data.toString()
      const match = /WebDriver BiDi listening on (ws:\/\/[^\s]+)/.exec(output)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`Firefox exited with ${code}: ${output}`))
    })
  })
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}
