/**
 * A set of segment indices kept as sorted, disjoint, non-adjacent `[start, end)` intervals.
 * Sequential and part-by-part writers touch contiguous runs, so it stays a handful of intervals
 * even for an object of 2^30 segments.
 */
export class IndexSet {
  #starts: number[] = []
  #ends: number[] = []

  /** The largest member, or -1 when empty. */
  get max(): number {
    return (this.#ends.at(-1) ?? 0) - 1
  }

  has(index: number): boolean {
    const i = this.#find(index)
    return i >= 0 && index < (this.#ends[i] ?? 0)
  }

  add(index: number): void {
    const i = this.#find(index)
    if (i >= 0 && index < (this.#ends[i] ?? 0)) return
    const joinsLeft = i >= 0 && this.#ends[i] === index
    const joinsRight = this.#starts[i + 1] === index + 1
    if (joinsLeft && joinsRight) {
      this.#ends[i] = this.#ends[i + 1] as number
      this.#starts.splice(i + 1, 1)
      this.#ends.splice(i + 1, 1)
    } else if (joinsLeft) {
      this.#ends[i] = index + 1
    } else if (joinsRight) {
      this.#starts[i + 1] = index
    } else {
      this.#starts.splice(i + 1, 0, index)
      this.#ends.splice(i + 1, 0, index + 1)
    }
  }

  /** Index of the last interval whose start is ≤ index, or -1. */
  #find(index: number): number {
    let lo = 0
    let hi = this.#starts.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if ((this.#starts[mid] ?? 0) <= index) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }
}
