import { readdirSync, readFileSync } from 'node:fs'
import { VECTORS_DIR } from './key-servers.js'
import type { KnownAnswerVector, NegativeVector } from './vector.js'

function load<T>(folder: string): T[] {
  const dir = new URL(`${folder}/`, VECTORS_DIR)
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as T)
}

/** The committed known-answer vectors. */
export function loadKnownAnswerVectors(): KnownAnswerVector[] {
  return load<KnownAnswerVector>('known-answer')
}

/** The committed negative vectors. */
export function loadNegativeVectors(): NegativeVector[] {
  return load<NegativeVector>('negative')
}
