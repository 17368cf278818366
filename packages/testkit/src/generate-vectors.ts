/**
 * Writes the committed test vectors: `npm run vectors` (all) or `npm run vectors -- negative`.
 * Before writing a negative vector it runs it through every decryption path and refuses to
 * write one whose declared outcome the implementation does not produce. Changing a known-answer
 * vector means a new format version.
 */

import { createPublicKey } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { exportX25519PublicKey, importX25519PrivateKey } from '@latch/format'
import { seedBytes } from './generate/build-object.js'
import { KNOWN_ANSWER_SPECS, knownAnswerVector } from './generate/known-answer.js'
import { negativeSpecs } from './generate/negative.js'
import { dataKeyResolver, VECTORS_DIR, vectorKeyServerResolver } from './key-servers.js'
import { patternSha256 } from './pattern.js'
import {
  decryptByteAtATime,
  decryptStreaming,
  decryptWhole,
  isPrefix,
  stageOf,
} from './run-vector.js'
import type { NegativeVector, VectorKey } from './vector.js'

const KIDS = ['kas-a-1', 'kas-a-2', 'kas-b-1', 'kas-c-1', 'kas-d-1', 'kas-e-1']

function vectorKeys(): VectorKey[] {
  return KIDS.map((kid) => {
    const privateKey = seedBytes('key', kid)
    const publicKey = exportX25519PublicKey(createPublicKey(importX25519PrivateKey(privateKey)))
    return {
      kas_id: kid.replace(/-\d+$/, ''),
      kid,
      private_key: privateKey.toString('hex'),
      public_key: Buffer.from(publicKey).toString('hex'),
    }
  })
}

function write(folder: string, name: string, value: unknown): void {
  writeFileSync(
    new URL(`${folder}/${name}.json`, VECTORS_DIR),
    `${JSON.stringify(value, null, 1)}\n`,
  )
}

async function main(which: string): Promise<void> {
  const keys = vectorKeys()
  mkdirSync(VECTORS_DIR, { recursive: true })
  writeFileSync(new URL('keys.json', VECTORS_DIR), `${JSON.stringify(keys, null, 1)}\n`)
  if (which === 'all' || which === 'known-answer') {
    rmSync(new URL('known-answer', VECTORS_DIR), { recursive: true, force: true })
    mkdirSync(new URL('known-answer', VECTORS_DIR))
    for (const spec of KNOWN_ANSWER_SPECS) {
      process.stderr.write(`known-answer ${spec.name}\n`)
      write('known-answer', spec.name, knownAnswerVector(keys, spec))
    }
  }
  if (which === 'all' || which === 'negative') {
    rmSync(new URL('negative', VECTORS_DIR), { recursive: true, force: true })
    mkdirSync(new URL('negative', VECTORS_DIR))
    const problems: string[] = []
    for (const spec of negativeSpecs(keys)) {
      const resolver = vectorKeyServerResolver(keys, spec.kasPreference)
      const stage = await stageOf(spec.object, resolver)
      const withDek =
        spec.expectWithDek && (await stageOf(spec.object, dataKeyResolver(spec.base.dek)))
      const streamed = await decryptStreaming(spec.object, resolver, 4096)
      const bytewise = await decryptByteAtATime([spec.object], resolver)
      const whole = await decryptWhole(spec.object, resolver)
      const released = patternSha256(spec.released)
      const expected = [
        ['stage', stage, spec.expect],
        ['stage with the data key', withDek, spec.expectWithDek],
        ['stream code', streamed.code, spec.code],
        ['byte-at-a-time code', bytewise.code, spec.code],
        ['buffer code', whole.code, spec.bufferCode ?? spec.code],
        ['released', bytewise.releasedSha256, released],
        ['stream released a prefix', isPrefix(streamed, spec.released), true],
      ]
      for (const [what, got, want] of expected) {
        if (got !== want) problems.push(`${spec.name}: ${what} ${got} (declared ${want})`)
      }
      const vector: NegativeVector = {
        name: spec.name,
        group: spec.group,
        comment: spec.comment,
        expect: spec.expect,
        ...(spec.expectWithDek ? { expect_with_dek: spec.expectWithDek } : {}),
        code: spec.code,
        ...(spec.bufferCode ? { buffer_code: spec.bufferCode } : {}),
        ...(spec.kasPreference ? { kas_preference: spec.kasPreference } : {}),
        dek: Buffer.from(spec.base.dek).toString('hex'),
        released_sha256: released,
        released_length: spec.released,
        object: spec.object.toString('base64'),
      }
      write('negative', spec.name, vector)
    }
    if (problems.length > 0) {
      throw new Error(
        `the implementation disagrees with ${problems.length} vectors:\n${problems.join('\n')}`,
      )
    }
  }
}

await main(process.argv[2] ?? 'all')
