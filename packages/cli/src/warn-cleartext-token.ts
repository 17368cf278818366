import { isIPv4, isIPv6 } from 'node:net'
import type { Io } from './io.js'
import { printable } from './printable.js'

const warned = new WeakSet<Io>()

/**
 * Warns on stderr, once per command, when a token is about to travel to a key server over plain
 * `http://` on another host: anyone on the path can read it and act as its user. Loopback
 * (127.0.0.0/8, ::1, localhost) stays quiet: `latch dev` and a server behind a local TLS proxy
 * are fine.
 *
 * @param io where the warning goes (and which command it is for).
 * @param server the key server URL the token goes to.
 * @param token the token, if any (without one, nothing secret travels).
 */
export function warnCleartextToken(
  io: Io,
  server: string | undefined,
  token: string | undefined,
): void {
  if (server === undefined || token === undefined || token === '' || warned.has(io)) return
  let url: URL
  try {
    url = new URL(server)
  } catch {
    return
  }
  if (url.protocol !== 'http:' || isLoopback(url.hostname)) return
  warned.add(io)
  io.stderr.write(
    `latch: warning: the token travels unencrypted to ${printable(url.origin)}; use https\n`,
  )
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  if (host === 'localhost') return true
  if (isIPv4(host)) return host.startsWith('127.')
  // The URL parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
  return isIPv6(host) && (host === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host))
}
