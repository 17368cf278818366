import { mkdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { KeyServerClient, LatchClient } from '@latch/client'
import { CliError } from './errors.js'
import type { Io } from './io.js'
import { warnCleartextToken } from './warn-cleartext-token.js'
import { writePrivateFile } from './write-private-file.js'

/** What `latch login` saves: the default server and its token, and every server's token. */
export interface SavedLogin {
  readonly server: string
  readonly token: string
  /** The token of each server logged in to, by URL (for `--split`). */
  readonly tokens?: Readonly<Record<string, string>>
}

/** `$XDG_CONFIG_HOME/latch/config.json`, else `~/.config/latch/config.json`. */
export function configFile(env: Io['env']): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return join(base, 'latch', 'config.json')
}

/**
 * Saves a login as the default, readable by its owner only; the tokens of other servers logged
 * in to before stay (a split needs one for each of its two servers).
 */
export function saveLogin(env: Io['env'], login: SavedLogin): string {
  const file = configFile(env)
  const before = savedLogin(env)
  const tokens = { ...(before.tokens ?? {}), [login.server]: login.token }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  writePrivateFile(file, `${JSON.stringify({ ...login, tokens }, null, 2)}\n`)
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

/**
 * A {@link LatchClient} on {@link keyServerFor}, or split across the two key servers of `split`
 * (`--split URL1,URL2`, else `LATCH_SPLIT`): see {@link splitServersFor}.
 */
export function latchFor(io: Io, split?: string): LatchClient {
  const servers = splitServersFor(io, split)
  return servers === undefined
    ? new LatchClient(keyServerFor(io))
    : LatchClient.split(servers[0], servers[1])
}

/**
 * The key servers a policy command acts on: both servers of a split (`split`, else
 * `LATCH_SPLIT`), each with its URL, or the one of {@link keyServerFor}.
 */
export function keyServersFor(io: Io, split?: string): { url: string; client: KeyServerClient }[] {
  const servers = splitServersFor(io, split)
  const list = servers ?? [keyServerFor(io)]
  return list.map((client) => ({ url: client.server, client }))
}

/**
 * The two key servers of a split, from `split` (`URL1,URL2`) or `LATCH_SPLIT`; `undefined` when
 * neither is set. Server `i`'s token is the `i`-th of `LATCH_SPLIT_TOKENS` (comma-separated),
 * else `LATCH_TOKEN` when it is `LATCH_SERVER`, else the one `latch login --server URL` saved.
 * @throws CliError `ERR_CLI_USAGE` for anything but two distinct URLs, or a server without a token.
 */
export function splitServersFor(
  io: Io,
  split = io.env.LATCH_SPLIT,
): [KeyServerClient, KeyServerClient] | undefined {
  if (split === undefined || split === '') return undefined
  const urls = split.split(',').map((url) => url.trim())
  if (urls.length !== 2 || urls.some((url) => url === '') || urls[0] === urls[1]) {
    throw new CliError(
      'ERR_CLI_USAGE',
      `--split (or LATCH_SPLIT) takes two different key server URLs, URL1,URL2; got: ${split}`,
    )
  }
  const given = io.env.LATCH_SPLIT_TOKENS?.split(',').map((token) => token.trim())
  const saved = savedLogin(io.env)
  const clients = urls.map((server, i) => {
    const token =
      given?.[i] ||
      (server === io.env.LATCH_SERVER ? io.env.LATCH_TOKEN : undefined) ||
      saved.tokens?.[server] ||
      (server === saved.server ? saved.token : undefined)
    if (token === undefined || token === '') {
      throw new CliError(
        'ERR_CLI_USAGE',
        `no token for the key server ${server}: set LATCH_SPLIT_TOKENS=TOKEN1,TOKEN2, or run latch login --server ${server}`,
      )
    }
    warnCleartextToken(io, server, token)
    return KeyServerClient.fromEnv({ LATCH_SERVER: server, LATCH_TOKEN: token })
  })
  return clients as [KeyServerClient, KeyServerClient]
}

/** Splits `s3://BUCKET/KEY`. @throws CliError `ERR_CLI_USAGE`. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url)
  if (match === null)
    throw new CliError('ERR_CLI_USAGE', `not an S3 URL: ${url} (expected s3://BUCKET/KEY)`)
  return { bucket: match[1] as string, key: match[2] as string }
}
