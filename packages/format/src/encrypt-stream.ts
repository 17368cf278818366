import type { ObjectWriter } from './object-writer.js'
import { SegmentEncryptor } from './segment-encryptor.js'

/**
 * Encrypts a stream: emits the writer's header, then each segment as soon as it is whole, then
 * the final segment when the input ends. Constant memory whatever the size.
 *
 * @example
 * ```ts
 * const writer = createObjectWriter({ policyId, shares: [[server]] })
 * await plaintext.pipeThrough(createEncryptStream(writer)).pipeTo(destination)
 * ```
 */
export function createEncryptStream(writer: ObjectWriter): TransformStream<Uint8Array, Uint8Array> {
  const encryptor = new SegmentEncryptor(writer)
  return new TransformStream({
    start(controller) {
      controller.enqueue(writer.header)
    },
    transform(chunk, controller) {
      encryptor.push(chunk, (out) => controller.enqueue(out))
    },
    flush(controller) {
      encryptor.finish((out) => controller.enqueue(out))
    },
  })
}
