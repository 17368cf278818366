// The test page of the browser vector tests: fetches the committed vectors from its own origin
// and runs them through the web build (the same checks as web-vectors.unit.test.ts in Node).

import type { KnownAnswerVector, NegativeVector, VectorKey } from '../vector.js'
import {
  bufferingSha256,
  checkKnownAnswerVector,
  checkNegativeVector,
  WEB_VECTOR_LIMIT,
} from '../web-vectors.js'

async function fetchJson<T>(path: string): Promise<T> {
  const response = await fetch(`/files/${path}`)
  if (!response.ok) throw new Error(`${path}: ${response.status}`)
  return (await response.json()) as T
}

/**
 * Runs the named vectors; `large` adds those above 16 MiB of plaintext. Resolves to JSON:
 * `{ ran, skipped, failures }`.
 */
async function runVectors(
  knownAnswer: readonly string[],
  negative: readonly string[],
  large: boolean,
): Promise<string> {
  const keys = await fetchJson<VectorKey[]>('keys.json')
  const failures: string[] = []
  let ran = 0
  const skipped: string[] = []
  const times: [string, number][] = []
  for (const name of knownAnswer) {
    const vector = await fetchJson<KnownAnswerVector>(`known-answer/${name}`)
    if (vector.plaintext_length > WEB_VECTOR_LIMIT && !large) {
      skipped.push(vector.name)
      continue
    }
    const t0 = performance.now()
    failures.push(...(await checkKnownAnswerVector(vector, keys, bufferingSha256, 'browser')))
    times.push([vector.name, Math.round(performance.now() - t0)])
    ran++
  }
  for (const name of negative) {
    const vector = await fetchJson<NegativeVector>(`negative/${name}`)
    const t0 = performance.now()
    try {
      failures.push(...(await checkNegativeVector(vector, keys, 'browser')))
    } catch (error) {
      failures.push(`${vector.name}: threw ${String(error)}`)
    }
    times.push([vector.name, Math.round(performance.now() - t0)])
    ran++
  }
  const slowest = times.sort((a, b) => b[1] - a[1]).slice(0, 5)
  return JSON.stringify({
    ran,
    skipped,
    failures,
    slowest,
    userAgent: (globalThis as { navigator?: { userAgent: string } }).navigator?.userAgent,
  })
}

Object.assign(globalThis, { runVectors })
