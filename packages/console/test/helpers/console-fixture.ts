import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { AxeBuilder } from '@axe-core/playwright'
import { launchChromium } from '@latch/testkit/browser'
import { s3TestEndpoint } from '@latch/testkit/ceph-rgw'
import { type KeyServerProcess, startKeyServerProcess } from '@latch/testkit/key-server-process'
import { type LatchRun, runLatch } from '@latch/testkit/latch-process'
import type { Browser, Page } from 'playwright-core'
import { expect } from 'vitest'

// One key server (the built `latch server`, serving the built console), one S3 bucket on the
// Ceph gateway of the tests, and one browser per test file.

/** A running key server with its console, a bucket, a browser and the CLI pointed at them. */
export interface ConsoleFixture {
  readonly server: KeyServerProcess
  readonly url: string
  readonly adminToken: string
  readonly bucket: string
  readonly browser: Browser
  readonly dir: string
  /** The environment of `latch` for a token: the server, the token, the S3 endpoint. */
  env(token: string): Record<string, string>
  /** `latch ARGS` as the holder of `token`. */
  latch(token: string, args: readonly string[]): Promise<LatchRun>
  /** Creates a user with `latch users add` and returns its token. */
  addUser(email: string, flags?: readonly string[]): Promise<string>
  /** A page in a fresh browser context (its own sessionStorage), watched for CSP violations. */
  newPage(): Promise<Page>
  /** The CSP violations every page of the file reported so far. */
  readonly violations: string[]
  close(): Promise<void>
}

/**
 * Starts the fixture. Needs the built CLI and console (`npm run build`) and Chromium.
 *
 * @param args More flags for `latch server`.
 */
export async function startConsoleFixture(args: readonly string[] = []): Promise<ConsoleFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'latch-console-'))
  const s3 = await s3TestEndpoint()
  const s3env = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
  }
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    forcePathStyle: true,
  })
  const bucket = `console-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  client.destroy()
  const [server, browser] = await Promise.all([
    startKeyServerProcess(join(dir, 'data'), ['--rate-limit', '1000000', ...args]),
    launchChromium(),
  ])
  const violations: string[] = []
  const env = (token: string) => ({ LATCH_SERVER: server.url, LATCH_TOKEN: token, ...s3env })
  const latch = (token: string, cliArgs: readonly string[]) => runLatch(cliArgs, env(token))
  return {
    server,
    url: server.url,
    adminToken: server.adminToken,
    bucket,
    browser,
    dir,
    env,
    latch,
    violations,
    async addUser(email, flags = []) {
      const added = await latch(server.adminToken, ['users', 'add', email, ...flags])
      if (added.code !== 0) throw new Error(`latch users add ${email}: ${added.stderr}`)
      return added.stdout.trim()
    },
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
      const page = await context.newPage()
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text())
      })
      return page
    },
    async close() {
      await browser.close()
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Signs in on the console's sign-in page with an API token, and waits for the overview. */
export async function signInWithToken(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/console/`)
  await page.getByLabel('API token').fill(token)
  await page.getByRole('button', { name: 'Sign in with the token' }).click()
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
}

/**
 * Runs axe on the page as it is and requires no serious or critical violation.
 *
 * @param what Names the page in the failure message.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze()
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    )
  expect(bad, `${what}: accessibility violations`).toEqual([])
}

// The accessible name of the focused element, near enough for the controls of the console: its
// aria-label, the text of what aria-labelledby names, its label, or its text. (A string: the test
// project has no DOM types.)
const FOCUSED_NAME = `(() => {
  const element = document.activeElement
  if (element === null) return ''
  const labelledBy = element.getAttribute('aria-labelledby')
  const byId = labelledBy === null ? null : labelledBy.split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '').join(' ')
  return (element.getAttribute('aria-label') ?? byId ?? element.labels?.[0]?.textContent
    ?? element.textContent ?? '').trim()
})()`

/**
 * Moves the keyboard focus with Tab (Shift+Tab with `backwards`) until the focused element's
 * accessible name is `name`, as a person without a mouse would. Fails after 80 presses.
 */
export async function tabTo(page: Page, name: string | RegExp, backwards = false): Promise<void> {
  const matches = (text: string) => (typeof name === 'string' ? text === name : name.test(text))
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab')
    const focused = String(await page.evaluate(FOCUSED_NAME))
    if (matches(focused)) return
  }
  throw new Error(`no focusable element named ${name} within 80 Tab presses`)
}
