import type { HeaderCore } from './header-core.js'

/**
 * One key entry: share `sid` of `n`, wrapped as a compact JWE to key server `kasId`. Entries with
 * the same `sid` are alternatives (the same share for two servers); distinct `sid`s are all
 * required, and the data key is the XOR of the shares.
 */
export interface KeyEntry {
  readonly sid: number
  readonly n: number
  readonly kasId: string
  readonly jwe: string
}

/** A parsed header: structurally valid and self-consistent, but not yet authenticated. */
export interface Header {
  readonly core: HeaderCore
  /** The encoded header core and its SHA-256 (`hc`), as sent to the key server. */
  readonly coreBytes: Uint8Array
  readonly coreHash: Uint8Array
  readonly entries: readonly KeyEntry[]
  readonly commitment: Uint8Array
  readonly mac: Uint8Array
  /** The header's bytes, exactly `header_len` of them. */
  readonly bytes: Uint8Array
}
