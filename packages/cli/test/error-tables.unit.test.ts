import { readFileSync } from 'node:fs'
import { AUDIT_ERROR_CODES } from '@latch/audit'
import { CLIENT_ERROR_CODES } from '@latch/client'
import { FORMAT_ERROR_CODES } from '@latch/format'
import { SERVER_ERROR_CODES, statusFor } from '@latch/protocol'
import { S3_ERROR_CODES } from '@latch/s3'
import { describe, expect, it } from 'vitest'
import { CLI_ERROR_CODES } from '../src/errors.js'
import { exitCodeFor } from '../src/exit-codes.js'
import { hintFor } from '../src/hint-for.js'

// Codes are public API: the unions, docs/errors.md and both edge tables list the same codes with
// the same values.

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
const rows = new Map(
  [...doc.matchAll(/^\| `(ERR_[A-Z0-9_]+)`\s*\|(.*)$/gm)].map(([, code, rest]) => [
    code as string,
    (rest as string)
      .split('|')
      .map((cell) => cell.trim())
      .filter((cell) => /^\d+$/.test(cell))
      .map(Number),
  ]),
)
const allCodes = [
  ...FORMAT_ERROR_CODES,
  ...AUDIT_ERROR_CODES,
  ...SERVER_ERROR_CODES,
  ...CLIENT_ERROR_CODES,
  ...S3_ERROR_CODES,
  ...CLI_ERROR_CODES,
]

describe('error codes', () => {
  it('docs/errors.md lists exactly the codes of every package', () => {
    expect(new Set(rows.keys())).toEqual(new Set(allCodes))
    expect(new Set(Object.keys(exitCodeFor))).toEqual(new Set(allCodes))
  })

  it('documents the HTTP status of statusFor and the exit code of exitCodeFor', () => {
    for (const code of SERVER_ERROR_CODES) {
      expect(rows.get(code), code).toEqual([statusFor[code], exitCodeFor[code]])
    }
    for (const code of [
      ...FORMAT_ERROR_CODES,
      ...AUDIT_ERROR_CODES,
      ...CLIENT_ERROR_CODES,
      ...S3_ERROR_CODES,
      ...CLI_ERROR_CODES,
    ]) {
      expect(rows.get(code), code).toEqual([exitCodeFor[code]])
    }
  })

  it('gives hints only for codes that exist', () => {
    for (const code of Object.keys(hintFor)) expect(allCodes).toContain(code)
  })

  it('gives every code to one package only, and lists it in that package’s section', () => {
    expect(allCodes).toHaveLength(new Set(allCodes).size)
    const sections = doc.split(/^## /m).slice(1)
    for (const [union, codes] of Object.entries({
      FormatErrorCode: FORMAT_ERROR_CODES,
      AuditErrorCode: AUDIT_ERROR_CODES,
      ServerErrorCode: SERVER_ERROR_CODES,
      ClientErrorCode: CLIENT_ERROR_CODES,
      S3ErrorCode: S3_ERROR_CODES,
      CliErrorCode: CLI_ERROR_CODES,
    })) {
      const section = sections.find((s) => s.split('\n', 1)[0]?.includes(`\`${union}\``))
      expect(section, union).toBeDefined()
      const listed = [...(section ?? '').matchAll(/^\| `(ERR_[A-Z0-9_]+)`/gm)].map(([, c]) => c)
      expect(new Set(listed), union).toEqual(new Set(codes))
    }
  })

  it('uses only the exit codes of the CLI contract', () => {
    for (const exit of Object.values(exitCodeFor)) expect([64, 65, 66, 69, 70, 77]).toContain(exit)
  })
})
