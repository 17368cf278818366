import { createHash } from 'node:crypto'
import {
  FormatError,
  importX25519PublicKey,
  type PreparedShareWrap,
  prepareShareWrap,
} from '@latch/format'
import type { ClientPublicJwk } from '@latch/protocol'
import { ServerError } from '../errors.js'
import type { EphemeralKeyPool } from './ephemeral-key-pool.js'

/** A client key the server can re-wrap shares to. */
export interface ClientKey {
  /** Its RFC 7638 thumbprint, named in the audit record of each decision. */
  readonly thumbprint: string
  /**
   * A re-wrap to this key, prepared (its key agreement done) before any decision, with an
   * ephemeral key of its own: one per key request, never shared between the JWEs of a batch.
   *
   * @throws ServerError `ERR_REQUEST_INVALID` when the key agreement fails.
   */
  prepareRewrap(): PreparedShareWrap
}

/**
 * Parses the client's throw-away X25519 key and checks that shares can be wrapped to it, by
 * preparing the first re-wrap: a key of small order (its shared secret is all zero) is refused
 * here, before any decision, so no audit record ever says a share was released that could not
 * be delivered.
 *
 * @param jwk - the `clientKey` of a key request.
 * @param ephemeralKeys - where each re-wrap's ephemeral key comes from, when one is ready there;
 *   drawn on the spot otherwise.
 * @returns the key, whose first {@link ClientKey.prepareRewrap} returns the wrap prepared here.
 * @throws ServerError `ERR_REQUEST_INVALID` for a key that is not X25519, malformed, or of small
 *   order.
 */
export function parseClientKey(jwk: ClientPublicJwk, ephemeralKeys?: EphemeralKeyPool): ClientKey {
  const { kty, crv, x } = jwk
  if (kty !== 'OKP' || crv !== 'X25519') throw invalid('clientKey must be an X25519 public JWK')
  const recipient = {
    kid: jwk.kid ?? 'client',
    publicKey: reword(() => importX25519PublicKey({ kty, crv, x })),
  }
  const prepare = () => reword(() => prepareShareWrap(recipient, ephemeralKeys?.take()))
  let first: PreparedShareWrap | undefined = prepare()
  return {
    thumbprint: createHash('sha256')
      .update(`{"crv":"X25519","kty":"OKP","x":"${x}"}`)
      .digest('base64url'),
    prepareRewrap() {
      const wrap = first ?? prepare()
      first = undefined
      return wrap
    },
  }
}

function reword<T>(fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof FormatError) throw invalid(`clientKey: ${error.message}`, error)
    throw error
  }
}

function invalid(message: string, cause?: unknown): ServerError {
  return new ServerError('ERR_REQUEST_INVALID', message, { cause })
}
