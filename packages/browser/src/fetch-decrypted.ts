import { createDecryptStream } from '@latch/format/web'
import { BrowserError } from './browser-error.js'
import { type KeyServerAccess, keyServerResolver } from './key-server-resolver.js'

/** Options of {@link fetchDecrypted}. */
export interface FetchDecryptedOptions extends KeyServerAccess {
  readonly signal?: AbortSignal
}

/**
 * Fetches a Latch object (a presigned GET URL) and decrypts it in the browser with the reader's
 * token: the key comes from the key server (`POST /v1/rewrap`), never from the app. The stream
 * releases each 64 KiB segment only after its tag verified and errors on any tampering
 * (`ERR_FORMAT_DECRYPT_FAILED`, …) or truncation; treat what it gave as provisional until it
 * closes, and show nothing before that (read it to the end, then display).
 *
 * @throws BrowserError `ERR_BROWSER_DOWNLOAD_FAILED`; later, as the stream's error,
 *   `ERR_BROWSER_ACCESS_DENIED` or a FormatError.
 */
export async function fetchDecrypted(
  url: string,
  options: FetchDecryptedOptions,
): Promise<ReadableStream<Uint8Array>> {
  const send = options.fetch ?? globalThis.fetch.bind(globalThis)
  const signal = options.signal === undefined ? {} : { signal: options.signal }
  const answer = await send(url, signal)
  if (!answer.ok || answer.body === null) {
    throw new BrowserError('ERR_BROWSER_DOWNLOAD_FAILED', `the object answered ${answer.status}`)
  }
  return answer.body.pipeThrough(createDecryptStream(keyServerResolver(options), signal))
}
