import type { S3Client } from '@aws-sdk/client-s3'

/** One moment of one S3 call: when it was sent (`start`) and how it settled. */
export interface S3CallEvent {
  readonly command: string
  /** `PartNumber` of an `UploadPart`. */
  readonly part: number | undefined
  readonly phase: 'start' | 'ok' | 'error'
  readonly error?: unknown
  /** The body of a `PutObject` or `UploadPart`, as the SDK was given it. */
  readonly body?: Uint8Array
}

/** The calls an S3Client made, in the order they started and settled. */
export interface S3CallLog {
  readonly events: S3CallEvent[]
  /** The command names, in the order the calls started (`UploadPart` with its part number). */
  started(): string[]
  /** The largest number of `UploadPart` calls that were in flight at once. */
  maxPartsInFlight(): number
  /** The `UploadPart` calls in flight now. */
  partsInFlight(): number
}

const commandName = (name: string) => name.replace(/Command$/, '')

const logs = new WeakMap<S3Client, S3CallLog>()

/**
 * Records every call of `client` through its own middleware stack (initialize step, highest
 * priority, so it sees each command once, before retries, and how it finally settled). A client
 * has one log: recording it again returns the same.
 */
export function recordS3Calls(client: S3Client): S3CallLog {
  const existing = logs.get(client)
  if (existing !== undefined) return existing
  const events: S3CallEvent[] = []
  let inFlight = 0
  let maxInFlight = 0
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = commandName(context.commandName ?? '')
      const input = args.input as { PartNumber?: number; Body?: unknown }
      const part = command === 'UploadPart' ? input.PartNumber : undefined
      const body = input.Body instanceof Uint8Array ? input.Body : undefined
      events.push({ command, part, phase: 'start', ...(body === undefined ? {} : { body }) })
      if (part !== undefined) maxInFlight = Math.max(maxInFlight, ++inFlight)
      try {
        const result = await next(args)
        events.push({ command, part, phase: 'ok' })
        return result
      } catch (error) {
        events.push({ command, part, phase: 'error', error })
        throw error
      } finally {
        if (part !== undefined) inFlight--
      }
    },
    { step: 'initialize', name: 'latchTestCallLog', priority: 'high', override: true },
  )
  const log: S3CallLog = {
    events,
    started: () =>
      events
        .filter((e) => e.phase === 'start')
        .map((e) => (e.part === undefined ? e.command : `${e.command} ${e.part}`)),
    maxPartsInFlight: () => maxInFlight,
    partsInFlight: () => inFlight,
  }
  logs.set(client, log)
  return log
}

/** What {@link controlUploadParts} does to the `UploadPart` calls of a client. */
export interface UploadPartControl {
  /** The part S3 must refuse. */
  readonly refuse?: number
  /** Runs before each part is sent (the refused one too), to keep it in flight. */
  readonly hold?: (part: number) => Promise<void>
}

/**
 * Holds `UploadPart` calls before they are sent, and makes S3 itself refuse one: once the SDK
 * signed that part's request, the access key its signature names is replaced by one the endpoint
 * does not know, so it answers 403 `InvalidAccessKeyId` (a real refusal, parsed by the SDK as any
 * other; s3rver checks the key, though not a V4 signature).
 */
export function controlUploadParts(client: S3Client, control: UploadPartControl): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const part = (args.input as { PartNumber?: number }).PartNumber
      if (context.commandName === 'UploadPartCommand' && part !== undefined) {
        await control.hold?.(part)
        if (part === control.refuse) {
          const request = args.request as { headers: Record<string, string> }
          request.headers = {
            ...request.headers,
            authorization: (request.headers.authorization ?? '').replace(
              /Credential=[^/]+/,
              'Credential=LATCHUNKNOWNKEY00000',
            ),
          }
        }
      }
      return next(args)
    },
    // The deserialize step runs after signing, next to the HTTP handler.
    { step: 'deserialize', name: 'latchTestControlParts', priority: 'high', override: true },
  )
}
