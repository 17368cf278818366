import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ConsoleFixture,
  signInWithToken,
  startConsoleFixture,
  tabTo,
} from './helpers/console-fixture.js'

// The whole story through the console, against a real `latch server` and S3: a file uploaded with
// `latch put`, shared in the console, read by the reader with `latch get`; revoked and unrevoked,
// expired and restored, locked down and lifted in the console, each checked with `latch get`; the
// file's report over the lockdown shows no release, and its export verifies offline. The revoke
// and the lockdown are done with the keyboard alone.

const CONTENT = 'Jane Doe, account 12345678\n'

let fx: ConsoleFixture
let alice: string
let bob: string
let policyId: string
let url: string
let owner: Page
let admin: Page

beforeAll(async () => {
  fx = await startConsoleFixture()
  alice = await fx.addUser('alice@example.com')
  bob = await fx.addUser('bob@example.com')
  const file = join(fx.dir, 'claim.txt')
  writeFileSync(file, CONTENT)
  url = `s3://${fx.bucket}/claims/claim.txt`
  const put = await fx.latch(alice, ['put', file, url])
  expect(put.code, put.stderr).toBe(0)
  policyId = put.stdout.trim()
  owner = await fx.newPage()
  admin = await fx.newPage()
})
afterAll(async () => {
  await fx?.close()
})

const get = async (token: string) => fx.latch(token, ['get', url, '-'])

/** Opens the confirmation of `trigger`, then confirms it with `confirm`, with the mouse. */
async function confirmWithMouse(page: Page, trigger: string, confirm: string, reason?: string) {
  await page.getByRole('button', { name: trigger, exact: true }).click()
  const dialog = page.getByRole('alertdialog')
  await dialog.waitFor()
  if (reason !== undefined) await dialog.getByLabel(/^Reason/).fill(reason)
  await dialog.getByRole('button', { name: confirm, exact: true }).click()
  await dialog.waitFor({ state: 'detached' })
}

describe('the console, with the CLI beside it', () => {
  it('finds the file the owner uploaded with latch put, and shares it with a reader', async () => {
    expect((await get(bob)).code).toBe(77)
    await signInWithToken(owner, fx.url, alice)
    await owner.getByRole('link', { name: 'Files' }).click()
    await owner.getByLabel('Search', { exact: true }).fill('claims/claim')
    await owner.getByRole('button', { name: 'Search', exact: true }).click()
    const row = owner.getByTestId('files').getByRole('row', { name: new RegExp(policyId) })
    await expect.poll(() => row.textContent()).toContain(`s3://${fx.bucket}/claims/claim.txt`)
    await row.getByRole('link', { name: policyId }).click()
    await owner.getByRole('heading', { level: 1, name: `File ${policyId}` }).waitFor()
    expect(await owner.getByTestId('owner').textContent()).toBe('alice@example.com')

    await owner.getByLabel('New reader').fill('bob@example.com')
    await confirmWithMouse(owner, 'Add reader', 'Add reader')
    await owner.getByRole('list', { name: 'Readers' }).getByText('bob@example.com').waitFor()

    const read = await get(bob)
    expect(read.code, read.stderr).toBe(0)
    expect(read.stdout).toBe(CONTENT)
  })

  it('revokes with the keyboard alone: the reader and the owner are denied; unrevoke restores', async () => {
    await owner.reload()
    await owner.getByRole('heading', { level: 1, name: `File ${policyId}` }).waitFor()
    await tabTo(owner, 'Revoke')
    await owner.keyboard.press('Enter')
    await owner.getByRole('alertdialog').waitFor()
    // The reason field has the focus.
    await owner.keyboard.type('sent by mistake')
    await tabTo(owner, 'Revoke')
    await owner.keyboard.press('Space')
    await owner.getByRole('alertdialog').waitFor({ state: 'detached' })
    await expect.poll(() => owner.getByTestId('revoked').textContent()).toContain('sent by mistake')

    expect((await get(bob)).code).toBe(77)
    expect((await get(alice)).code).toBe(77)

    await confirmWithMouse(owner, 'Unrevoke', 'Unrevoke', 'confirmed with the sender')
    await expect.poll(() => owner.getByTestId('revoked').textContent()).toBe('no')
    expect((await get(bob)).stdout).toBe(CONTENT)
  })

  it('sets an expiry in the past: denied; clearing it restores', async () => {
    const past = new Date(Date.now() - 3_600_000)
    const p = (n: number) => String(n).padStart(2, '0')
    const local = `${past.getFullYear()}-${p(past.getMonth() + 1)}-${p(past.getDate())}T${p(past.getHours())}:${p(past.getMinutes())}:${p(past.getSeconds())}`
    await owner.getByLabel('New expiry (your local time)').fill(local)
    await confirmWithMouse(owner, 'Set expiry', 'Set expiry')
    await expect.poll(() => owner.locator('.page-title .badge').textContent()).toBe('expired')
    expect((await get(bob)).code).toBe(77)

    await confirmWithMouse(owner, 'Clear expiry', 'Clear expiry')
    await expect.poll(() => owner.getByTestId('expiry').textContent()).toBe('never')
    expect((await get(bob)).stdout).toBe(CONTENT)
  })

  let lockedAt = 0
  let checkedAt = 0

  it('locks the prefix down with the keyboard alone, after a dry run: denied for everyone', async () => {
    await signInWithToken(admin, fx.url, fx.adminToken)
    await tabTo(admin, 'Incident')
    await admin.keyboard.press('Enter')
    await admin.getByRole('heading', { level: 1, name: 'Incident' }).waitFor()
    await tabTo(admin, 'Bucket')
    await admin.keyboard.type(fx.bucket)
    await tabTo(admin, 'Key prefix (optional)')
    await admin.keyboard.type('claims/')
    await tabTo(admin, 'Reason (into the audit log)')
    await admin.keyboard.type('INC-1 lost laptop')
    await tabTo(admin, 'Count the files it covers')
    await admin.keyboard.press('Enter')
    const dry = admin.getByTestId('dry-run')
    await expect.poll(() => dry.textContent()).toContain('covers 1 file (1 object) now')
    // Nothing changed yet: the reader still reads.
    expect((await get(bob)).code).toBe(0)
    // A read just before the lockdown must fall outside the report's window (whole seconds).
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    lockedAt = Date.now()
    await tabTo(admin, 'Lock down 1 file')
    await admin.keyboard.press('Space')
    await admin.getByRole('alertdialog').waitFor()
    // The confirm button has the focus.
    await admin.keyboard.press('Enter')
    await admin.getByRole('alertdialog').waitFor({ state: 'detached' })
    const rule = (await admin.getByTestId('created-rule').textContent()) ?? ''
    expect(rule).toMatch(/^ld_[0-9a-f]{20}$/)
    await expect
      .poll(() => admin.getByTestId('rules').textContent())
      .toContain(`s3://${fx.bucket}/claims/*`)

    expect((await get(bob)).code).toBe(77)
    expect((await get(alice)).code).toBe(77)
    checkedAt = Date.now()
  })

  it("shows the file's report for the lockdown window: no release, the denials, a verified chain", async () => {
    await admin.goto(`${fx.url}/console/files/${policyId}`)
    await admin.getByRole('heading', { level: 1, name: `File ${policyId}` }).waitFor()
    const local = (ms: number) => {
      const d = new Date(ms)
      const p = (n: number) => String(n).padStart(2, '0')
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
    }
    await admin.getByLabel('Since (your local time)').fill(local(lockedAt))
    await admin.getByLabel('Until (your local time)').fill(local(checkedAt + 1_000))
    await admin.getByRole('button', { name: 'Build report' }).click()
    const report = admin.getByTestId('report')
    await report.waitFor({ timeout: 60_000 })
    expect(await admin.getByTestId('releases').textContent()).toBe('0')
    expect(await admin.getByTestId('denials').textContent()).toBe('2 (lockdown 2)')
    expect(await admin.getByTestId('chain').textContent()).toMatch(/^verified: records \d+ to \d+/)
    expect(await admin.getByTestId('conclusion').textContent()).toMatch(/nobody obtained the key/i)

    // The export of that stretch verifies offline with the key the Audit page publishes.
    const download = admin.waitForEvent('download')
    await admin.getByRole('button', { name: 'Download the export for this window' }).click()
    const file = join(fx.dir, 'window.ndjson')
    await (await download).saveAs(file)
    expect(readFileSync(file, 'utf8').split('\n')[0]).toContain('latch-audit-export/1')
    await admin.getByRole('link', { name: 'Audit' }).click()
    const key = (await admin.getByTestId('verifier-key').textContent()) ?? ''
    const verified = await fx.latch(fx.adminToken, [
      'audit',
      'verify',
      '--file',
      file,
      '--key',
      key,
    ])
    expect(verified.code, verified.stderr + verified.stdout).toBe(0)
  })

  it('lifts the rule: the reader reads again', async () => {
    await admin.getByRole('link', { name: 'Incident' }).click()
    const rule = admin.getByTestId('rules').getByRole('button', { name: /^Lift rule ld_/ })
    await rule.click()
    const dialog = admin.getByRole('alertdialog')
    await dialog.getByLabel(/^Reason/).fill('laptop found')
    await dialog.getByRole('button', { name: 'Lift', exact: true }).click()
    await dialog.waitFor({ state: 'detached' })
    await expect.poll(() => admin.getByTestId('rules').textContent()).toContain('No rule.')
    expect((await get(bob)).stdout).toBe(CONTENT)
    expect(fx.violations).toEqual([])
  })
})
