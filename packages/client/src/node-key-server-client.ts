import { KeyServerClient, type KeyServerClientOptions } from './key-server-client.js'
import { nodeHttpTransport } from './node-http-transport.js'

/**
 * The key-server client of the Node build (exported as `KeyServerClient`): requests go over
 * `node:http`/`node:https` with keep-alive connections unless `fetch` or `transport` is given.
 * Everything else is {@link KeyServerClient}'s.
 */
export class NodeKeyServerClient extends KeyServerClient {
  constructor(options: KeyServerClientOptions) {
    super(
      options.fetch === undefined && options.transport === undefined
        ? { ...options, transport: nodeHttpTransport }
        : options,
    )
  }
}
