import { describe, expect, it } from 'vitest'
import { BufferPool } from '../../src/internal/buffer-pool.js'

describe('BufferPool', () => {
  it('hands out buffers of its size and reuses what it gets back', () => {
    const pool = new BufferPool(1024, 2)
    const a = pool.take()
    expect(a.length).toBe(1024)
    pool.give(a)
    expect(pool.take()).toBe(a)
  })

  it('keeps at most `keep` buffers', () => {
    const pool = new BufferPool(16, 2)
    const [a, b, c] = [pool.take(), pool.take(), pool.take()]
    for (const buffer of [a, b, c]) pool.give(buffer)
    const again = new Set([pool.take(), pool.take(), pool.take()])
    expect([a, b, c].filter((x) => again.has(x))).toHaveLength(2)
  })

  it('does not keep a buffer of another size', () => {
    const pool = new BufferPool(16, 2)
    const small = Buffer.alloc(8)
    pool.give(small)
    expect(pool.take()).not.toBe(small)
  })
})
