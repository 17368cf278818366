import { expect } from 'vitest'

// Vitest compares byte arrays element by element through its generic iterable equality, about
// 50 µs a byte on a busy 2-core machine: a 3 MiB `toEqual` took minutes. Arrays of the same
// type compare here in one `Buffer.compare`; mixed types keep Vitest's own rules.
expect.addEqualityTesters([
  (a: unknown, b: unknown) =>
    a instanceof Uint8Array &&
    b instanceof Uint8Array &&
    Object.getPrototypeOf(a) === Object.getPrototypeOf(b)
      ? Buffer.compare(a, b) === 0
      : undefined,
])
