import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Debian's SoftHSM2 PKCS#11 module (apt-get install softhsm2). */
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so'

/**
 * A SoftHSM2 token directory for this test process: sets `SOFTHSM2_CONF` (the library reads it
 * once, when it is first loaded, so every token of the process lives here) and returns a function
 * that initialises a token of that label and user PIN, and the clean-up.
 */
export function softHsm(): { initToken(label: string, pin: string): void; remove(): void } {
  if (!existsSync(SOFTHSM_MODULE)) {
    throw new Error(`${SOFTHSM_MODULE} is missing: apt-get install softhsm2 (.ci/run does)`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'latch-softhsm-'))
  mkdirSync(join(dir, 'tokens'))
  const conf = join(dir, 'softhsm2.conf')
  writeFileSync(
    conf,
    `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  )
  process.env.SOFTHSM2_CONF = conf
  return {
    initToken(label, pin) {
      execFileSync(
        'softhsm2-util',
        ['--init-token', '--free', '--label', label, '--so-pin', `so-${pin}`, '--pin', pin],
        { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'ignore' },
      )
    },
    remove() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
