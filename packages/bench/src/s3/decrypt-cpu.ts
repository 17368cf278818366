import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { SEGMENT_SIZE } from '@latch/format'
import { median } from '../shared/measure.js'

const SAMPLE_BYTES = 256 * 1024 * 1024

/**
 * The CPU seconds per GiB that AES-256-GCM decryption alone takes in this process, in the
 * format's segments (a decipher per segment, its tag checked): the least a Latch get must add to
 * a plain one. Median of 3 passes over 256 MiB.
 */
export function decryptCpuPerGiB(): number {
  const key = randomBytes(32)
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const segment = Buffer.concat([cipher.update(randomBytes(SEGMENT_SIZE)), cipher.final()])
  const tag = cipher.getAuthTag()
  const passes: number[] = []
  for (let pass = 0; pass < 3; pass++) {
    const start = process.cpuUsage()
    for (let done = 0; done < SAMPLE_BYTES; done += SEGMENT_SIZE) {
      const decipher = createDecipheriv('aes-256-gcm', key, iv).setAuthTag(tag)
      decipher.update(segment)
      decipher.final()
    }
    const used = process.cpuUsage(start)
    passes.push(((used.user + used.system) / 1e6) * ((1024 * 1024 * 1024) / SAMPLE_BYTES))
  }
  return median(passes)
}
