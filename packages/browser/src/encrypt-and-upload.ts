import { createObjectWriter, type ObjectWriter, SEGMENT_SIZE, TAG_SIZE } from '@latch/format/web'
import type { KeySet } from '@latch/protocol'
import { BrowserError } from './browser-error.js'

/** One part of the app's plan (what `@latch/s3`'s `startBrowserUpload` returns, per part). */
export interface UploadPart {
  readonly partNumber: number
  readonly plaintextStart: number
  readonly plaintextEnd: number
  readonly firstSegment: number
  readonly withHeader: boolean
  readonly last: boolean
  /** Ciphertext bytes the presigned URL accepts. */
  readonly size: number
  readonly url: string
}

/** The plan the app's backend answers (only the fields the browser uses). */
export interface UploadPlan {
  readonly parts: readonly UploadPart[]
}

/** Progress after each stored part. */
export interface UploadProgress {
  /** Plaintext bytes encrypted and stored so far, of `total`. */
  readonly loaded: number
  readonly total: number
  readonly part: number
  readonly parts: number
}

/** Options of {@link encryptAndUpload}. */
export interface EncryptAndUploadOptions<Done> {
  /** The policy the app created for this file. */
  readonly policyId: string
  /** The key server's public keys (`GET /v1/keys`, public): the file's key is wrapped to the current one. */
  readonly keys: KeySet
  /** Asks the app for the plan: it knows the file's size and the header's, the app picks the key. */
  start(info: { plaintextSize: number; headerSize: number }): Promise<UploadPlan>
  /** Tells the app every part is stored: it completes, checks and registers the object. */
  complete(): Promise<Done>
  /** Tells the app to abort: called once when anything fails after `start`. */
  abort(): Promise<void>
  readonly onProgress?: (progress: UploadProgress) => void
  readonly signal?: AbortSignal
  /** `fetch` for the part uploads (default: the global one). */
  readonly fetch?: typeof fetch
}

/**
 * Encrypts a file in the browser and uploads it straight to S3 through the app's presigned URLs:
 * the header is made first (a fresh key wrapped to the key server's current public key, under the
 * app's policy id), the app plans the parts from the sizes, then each part is read from the file,
 * encrypted (8 segments in WebCrypto at once, each written into the part's body) and PUT, one part
 * at a time while the next one is encrypted (memory: about three parts' worth, 24 MiB at the
 * default 8 MiB parts). The
 * plaintext never leaves the page except encrypted; the page holds no S3 or Latch credential.
 * On any failure the app is told to abort (no object and no pending upload stay) and the error is
 * thrown.
 *
 * @returns whatever the app's `complete` answers.
 * @throws BrowserError `ERR_BROWSER_UPLOAD_FAILED`, `ERR_BROWSER_PLAN_INVALID`; an abort's reason.
 */
export async function encryptAndUpload<Done>(
  file: Blob,
  options: EncryptAndUploadOptions<Done>,
): Promise<Done> {
  const key = options.keys.keys.find((k) => k.kid === options.keys.current)
  if (key === undefined) {
    throw new BrowserError('ERR_BROWSER_PLAN_INVALID', 'the key server publishes no current key')
  }
  const writer = await createObjectWriter({
    policyId: options.policyId,
    shares: [[{ kasId: options.keys.kasId, kid: key.kid, publicKey: key }]],
  })
  const plan = await options.start({ plaintextSize: file.size, headerSize: writer.header.length })
  try {
    checkPlan(plan, file.size)
    const send = options.fetch ?? globalThis.fetch.bind(globalThis)
    let loaded = 0
    // The next part is encrypted while this one uploads, so the page never waits for both. A
    // failure surfaces at the part's turn (an earlier failure leaves it unawaited, not unhandled).
    const startPart = (part: UploadPart) => {
      const job = encryptPart(writer, file, part)
      job.catch(() => {})
      return job
    }
    let encrypting = startPart(plan.parts[0] as UploadPart)
    for (const [i, part] of plan.parts.entries()) {
      options.signal?.throwIfAborted()
      const body = await encrypting
      const following = plan.parts[i + 1]
      if (following !== undefined) encrypting = startPart(following)
      let answer: Response
      try {
        answer = await send(part.url, {
          method: 'PUT',
          body,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        })
      } catch (error) {
        if (options.signal?.aborted === true) throw error
        throw new BrowserError(
          'ERR_BROWSER_UPLOAD_FAILED',
          `part ${part.partNumber}: ${String(error)}`,
          {
            cause: error,
          },
        )
      }
      if (!answer.ok) {
        throw new BrowserError(
          'ERR_BROWSER_UPLOAD_FAILED',
          `part ${part.partNumber}: S3 answered ${answer.status}`,
        )
      }
      loaded += part.plaintextEnd - part.plaintextStart
      options.onProgress?.({
        loaded,
        total: file.size,
        part: part.partNumber,
        parts: plan.parts.length,
      })
    }
  } catch (error) {
    await options.abort().catch(() => undefined)
    throw error
  }
  return options.complete()
}

/** Segments of a part in WebCrypto at once: enough to keep it busy, few enough to hold little. */
const SEGMENTS_IN_FLIGHT = 8

async function encryptPart(
  writer: ObjectWriter,
  file: Blob,
  part: UploadPart,
): Promise<Uint8Array<ArrayBuffer>> {
  const plaintext = new Uint8Array(
    await file.slice(part.plaintextStart, part.plaintextEnd).arrayBuffer(),
  )
  const full = Math.floor(plaintext.length / SEGMENT_SIZE)
  const segments = part.last ? full + 1 : full
  const header = part.withHeader ? writer.header : new Uint8Array(0)
  const body = new Uint8Array(header.length + plaintext.length + segments * TAG_SIZE)
  if (body.length !== part.size) {
    throw new BrowserError(
      'ERR_BROWSER_PLAN_INVALID',
      `part ${part.partNumber} encrypts to ${body.length} bytes, the plan says ${part.size}`,
    )
  }
  body.set(header, 0)
  // Each sealed segment goes straight to its place in the body; a few are in flight at once.
  let next = 0
  let failed = false
  const lane = async () => {
    while (next < segments && !failed) {
      const s = next++
      const final = part.last && s === segments - 1
      const start = s * SEGMENT_SIZE
      const end = final ? plaintext.length : start + SEGMENT_SIZE
      const sealing = writer.encryptSegment(
        part.firstSegment + s,
        plaintext.subarray(start, end),
        final,
      )
      const sealed = await sealing.catch((error: unknown) => {
        failed = true
        throw error
      })
      body.set(sealed, header.length + start + s * TAG_SIZE)
    }
  }
  await Promise.all(Array.from({ length: Math.min(segments, SEGMENTS_IN_FLIGHT) }, lane))
  return body
}

function checkPlan(plan: UploadPlan, size: number): void {
  let next = 0
  plan.parts.forEach((part, i) => {
    const ok =
      part.plaintextStart === next &&
      part.plaintextEnd >= part.plaintextStart &&
      part.plaintextStart % SEGMENT_SIZE === 0 &&
      part.firstSegment === part.plaintextStart / SEGMENT_SIZE &&
      part.withHeader === (i === 0) &&
      part.last === (i === plan.parts.length - 1)
    if (!ok) throw new BrowserError('ERR_BROWSER_PLAN_INVALID', `part ${i + 1} does not follow on`)
    next = part.plaintextEnd
  })
  if (plan.parts.length === 0 || next !== size) {
    throw new BrowserError('ERR_BROWSER_PLAN_INVALID', 'the plan does not cover the file')
  }
}
