import { afterEach, expect, it, vi } from 'vitest'
import { RequestBudget } from '../src/http/plugins/request-budget.js'

afterEach(() => {
  vi.useRealTimers()
})

it('counts per key in fixed windows, a new window starting from zero', () => {
  vi.useFakeTimers({ now: 1_000_000 })
  const budget = new RequestBudget()
  expect(budget.charge('id:a', 1, 60_000)).toEqual({ current: 1, ttl: 60_000 })
  vi.advanceTimersByTime(10_000)
  expect(budget.charge('id:a', 99, 60_000)).toEqual({ current: 100, ttl: 50_000 })
  expect(budget.charge('id:b', 1, 60_000).current).toBe(1)
  vi.advanceTimersByTime(50_000)
  expect(budget.charge('id:a', 1, 60_000)).toEqual({ current: 1, ttl: 60_000 })
})

it("answers the plugin's incr and read: read counts nothing", () => {
  const budget = new RequestBudget()
  const seen: number[] = []
  const record = (_: Error | null, state: { current: number }) => seen.push(state.current)
  budget.read('ip:x', record, 60_000)
  budget.incr('ip:x', record, 60_000)
  budget.incr('ip:x', record, 60_000)
  budget.read('ip:x', record, 60_000)
  expect(seen).toEqual([0, 1, 2, 2])
  expect(budget.child()).toBe(budget)
})

it('forgets the least recently counted key past 5,000 keys, never the busy one', () => {
  const budget = new RequestBudget()
  budget.charge('busy', 7, 60_000)
  for (let i = 0; i < 5000; i++) {
    budget.charge(`k${i}`, 1, 60_000)
    budget.charge('busy', 0, 60_000)
  }
  expect(budget.charge('busy', 1, 60_000).current).toBe(8)
  expect(budget.charge('k0', 1, 60_000).current).toBe(1)
  expect(budget.charge('k4999', 1, 60_000).current).toBe(2)
})
