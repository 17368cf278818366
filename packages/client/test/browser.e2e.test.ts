import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { launchChromium } from '@latch/testkit/browser'
import { bundleForBrowser, type PageServer, servePage } from '@latch/testkit/browser-page'
import {
  type KeyServerProcess,
  startKeyServerProcess,
  stopKeyServer,
} from '@latch/testkit/key-server-process'
import { runLatch } from '@latch/testkit/latch-process'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// @latch/format/web and @latch/client/web in Debian's Chromium against a real `latch server`
// (reached through the page's own origin: the server has no CORS), and the built CLI on the
// other side: an object encrypted in the page decrypts with `latch decrypt`, and one encrypted by
// `latch encrypt` decrypts in the page with the key server's re-wrap to a WebCrypto key.

let dir: string
let server: KeyServerProcess
let page: PageServer
let browser: Browser
let tab: Page
let env: Record<string, string>
const SIZE = 3 * 65_536 + 1234
const pattern = Buffer.from(Uint8Array.from({ length: SIZE }, (_, i) => i % 251))

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latch-browser-'))
  server = await startKeyServerProcess(join(dir, 'data'))
  env = { LATCH_SERVER: server.url, LATCH_TOKEN: server.adminToken }
  const bundle = await bundleForBrowser(new URL('./pages/interop-page.ts', import.meta.url))
  page = await servePage(bundle, pathToFileURL(`${dir}/`), server.url)
  browser = await launchChromium()
  tab = await browser.newPage()
  await tab.goto(page.url)
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await page?.close()
  if (server !== undefined) await stopKeyServer(server)
  rmSync(dir, { recursive: true, force: true })
})

describe('the web client in Chromium with a real key server and the CLI', () => {
  it('encrypts a File in the page that `latch decrypt` opens', async () => {
    const object = await tab.evaluate(
      ([token, size]) =>
        (
          globalThis as unknown as { encryptInPage(t: string, s: number): Promise<string> }
        ).encryptInPage(token, size),
      [server.adminToken, SIZE] as const,
    )
    writeFileSync(join(dir, 'from-page.latch'), Buffer.from(object, 'base64'))
    const run = await runLatch(
      ['decrypt', join(dir, 'from-page.latch'), '-o', join(dir, 'from-page.txt')],
      env,
    )
    expect(run.code, run.stderr).toBe(0)
    expect(readFileSync(join(dir, 'from-page.txt')).equals(pattern)).toBe(true)
  })

  it('decrypts in the page what `latch encrypt` wrote; a user without access gets the denial', async () => {
    writeFileSync(join(dir, 'plain.txt'), pattern)
    const run = await runLatch(
      ['encrypt', join(dir, 'plain.txt'), '-o', join(dir, 'from-cli.latch')],
      env,
    )
    expect(run.code, run.stderr).toBe(0)
    const decrypt = (token: string) =>
      tab.evaluate(
        ([t, name]) =>
          (
            globalThis as unknown as { decryptInPage(t: string, n: string): Promise<string> }
          ).decryptInPage(t, name),
        [token, 'from-cli.latch'] as const,
      )
    expect(Buffer.from(await decrypt(server.adminToken), 'base64').equals(pattern)).toBe(true)
    const eve = await runLatch(['users', 'add', 'eve@example.com'], env)
    expect(eve.code, eve.stderr).toBe(0)
    expect(await decrypt(eve.stdout.trim())).toBe('error: ERR_ACCESS_DENIED')
  })
})
