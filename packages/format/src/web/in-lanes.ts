/**
 * Runs `work(0)` … `work(count - 1)` with at most `limit` running at once, each lane taking the
 * next index as it finishes one: the whole-buffer functions use it so that WebCrypto (which
 * copies every input) holds a few segments rather than all of them. After the first failure no
 * new index starts; this rejects with that failure once the running ones have settled, so a
 * caller that wipes its output on failure wipes it after the last write.
 */
export async function inLanes(
  count: number,
  limit: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const lane = async () => {
    while (next < count && failure === undefined) {
      try {
        await work(next++)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  const lanes = Math.min(count, Math.max(1, Math.floor(limit)))
  await Promise.all(Array.from({ length: lanes }, lane))
  if (failure !== undefined) throw failure.error
}
