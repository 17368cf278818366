import type { Header } from './header.js'

/**
 * Produces an object's data key from its parsed header: normally by asking the key server(s) to
 * re-wrap the entries' shares and combining them ({@link combineShares}). The format does no I/O;
 * the client package supplies this.
 */
export type KeyResolver = (header: Header, options: { signal?: AbortSignal }) => Promise<Uint8Array>
