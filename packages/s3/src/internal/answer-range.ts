import type { GetObjectCommandOutput } from '@aws-sdk/client-s3'

/**
 * The bytes [start, end) of the object, from the answer to a GET that asked for that range. A
 * store that ignores `Range` answers 200 with the whole object and no `Content-Range`: then this
 * skips to `start` and stops reading at `end` (the connection is closed there), so a ranged read
 * neither returns the wrong bytes nor downloads the whole object. A ranged answer is the body
 * itself, not a generator around it: a promise per chunk less on the bulk path.
 */
export function answerRange(
  answer: GetObjectCommandOutput,
  start: number,
  end: number,
): AsyncIterable<Uint8Array> {
  const body = answer.Body as AsyncIterable<Uint8Array>
  return answer.ContentRange !== undefined ? body : skipTo(body, start, end)
}

async function* skipTo(
  body: AsyncIterable<Uint8Array>,
  start: number,
  end: number,
): AsyncGenerator<Uint8Array> {
  let offset = 0
  for await (const chunk of body) {
    const from = Math.max(start - offset, 0)
    const to = Math.min(end - offset, chunk.length)
    if (to > from) yield chunk.subarray(from, to)
    offset += chunk.length
    if (offset >= end) return
  }
}
