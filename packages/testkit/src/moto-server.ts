import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

/** A moto server: a local emulator of AWS APIs (here KMS), not AWS itself. */
export interface MotoServer {
  readonly endpoint: string
  stop(): Promise<void>
}

const VENV = join(import.meta.dirname, '..', '..', '..', '.cache', 'moto-venv')

/**
 * Starts `python -m moto.server` on a free loopback port. The Python is `LATCH_MOTO_PYTHON`, else
 * `python3` when it imports moto (the node machine image ships moto 5.2.1), else a venv made in
 * `.cache/moto-venv` with `pip install moto[server]==5.2.1` from the configured index.
 */
export async function startMotoServer(): Promise<MotoServer> {
  const python = motoPython()
  const port = await freePort()
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  const endpoint = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto.server exited: ${stderr}`)
    try {
      const response = await fetch(`${endpoint}/moto-api/`)
      if (response.ok) break
    } catch {}
    if (Date.now() > deadline) {
      child.kill()
      throw new Error(`moto.server did not answer on ${endpoint}: ${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return { endpoint, stop: () => stop(child) }
}

function motoPython(): string {
  const given = process.env.LATCH_MOTO_PYTHON
  if (given !== undefined && given !== '') return given
  if (imports('python3')) return 'python3'
  const venvPython = join(VENV, 'bin', 'python')
  if (!existsSync(venvPython) || !imports(venvPython)) {
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'ignore' })
    execFileSync(join(VENV, 'bin', 'pip'), ['install', '-q', 'moto[server]==5.2.1'], {
      stdio: 'inherit',
    })
  }
  return venvPython
}

function imports(python: string): boolean {
  try {
    execFileSync(python, ['-c', 'import moto.server, flask, flask_cors'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : 0),
      )
    })
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill()
  })
}
