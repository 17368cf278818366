import { inChromium } from '@latch/testkit/browser-streaming'
import { describe, expect, it } from 'vitest'

// SLOW=1 only (about 10 s): 1 GiB from a stream of fresh 1 MiB chunks, encrypted and decrypted as streams in
// headless Chromium, with the page's JS heap plus ArrayBuffer backing stores (CDP
// Runtime.getHeapUsage) sampled every 50 ms. Not a timing.
const slow = process.env.SLOW === '1'
const GIB = 1 << 30

describe('streaming in Chromium', () => {
  it.skipIf(!slow)(
    'round-trips 1 GiB with a peak JS heap under 200 MiB',
    async () => {
      const { result, peakHeapMiB } = await inChromium('roundTrip(1024, 8)')
      expect(JSON.parse(result)).toEqual({ plain: GIB })
      expect(peakHeapMiB).toBeGreaterThan(0)
      expect(peakHeapMiB).toBeLessThan(200)
    },
    600_000,
  )
})
