import { mkdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { KeyServerClient, LatchClient } from '@latch/client'
import { CliError } from './errors.js'
import type { Io } from './io.js'
import { warnCleartextToken } from './warn-cleartext-token.js'
import { writePrivateFile } from './write-private-file.js'

/** What `latch login` saves. */
export interface SavedLogin {
  readonly server: string
  readonly token: string
}

/** `$XDG_CONFIG_HOME/latch/config.json`, else `~/.config/latch/config.json`. */
export function configFile(env: Io['env']): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return join(base, 'latch', 'config.json')
}

/** Saves a login, readable by its owner only. */
export function saveLogin(env: Io['env'], login: SavedLogin): string {
  const file = configFile(env)
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  writePrivateFile(file, `${JSON.stringify(login, null, 2)}\n`)
  return file
}

function savedLogin(env: Io['env']): Partial<SavedLogin> {
  try {
    return JSON.parse(readFileSync(configFile(env), 'utf8')) as Partial<SavedLogin>
  } catch {
    return {}
  }
}

/**
 * The key server and token to use: `LATCH_SERVER` / `LATCH_TOKEN` when set, else what
 * `latch login` saved. Warns when the token would travel over plain http to another host.
 * @throws ClientError `ERR_CLIENT_CONFIG_INVALID` when no server is configured.
 */
export function keyServerFor(io: Io): KeyServerClient {
  const saved = savedLogin(io.env)
  const server = io.env.LATCH_SERVER || saved.server
  const token = io.env.LATCH_TOKEN || saved.token
  const client = KeyServerClient.fromEnv({ LATCH_SERVER: server, LATCH_TOKEN: token })
  warnCleartextToken(io, server, token)
  return client
}

/**
 * The API token commands use, and where it comes from: `LATCH_TOKEN` (`env`), what `latch login`
 * saved (`saved`), or nowhere.
 */
export function currentToken(io: Io): { token: string; from: 'env' | 'saved' } | undefined {
  if (io.env.LATCH_TOKEN) return { token: io.env.LATCH_TOKEN, from: 'env' }
  const saved = savedLogin(io.env)
  return typeof saved.token === 'string' && saved.token !== ''
    ? { token: saved.token, from: 'saved' }
    : undefined
}

/**
 * Replaces the token of the saved login, keeping its server.
 * @returns The file it saved to.
 */
export function replaceSavedToken(io: Io, token: string): string {
  const saved = savedLogin(io.env)
  return saveLogin(io.env, { server: saved.server ?? '', token })
}

/** A {@link LatchClient} on {@link keyServerFor}. */
export function latchFor(io: Io): LatchClient {
  return new LatchClient(keyServerFor(io))
}

/** Splits `s3://BUCKET/KEY`. @throws CliError `ERR_CLI_USAGE`. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url)
  if (match === null)
    throw new CliError('ERR_CLI_USAGE', `not an S3 URL: ${url} (expected s3://BUCKET/KEY)`)
  return { bucket: match[1] as string, key: match[2] as string }
}
