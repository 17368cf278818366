import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ConsoleFixture,
  expectAccessible,
  signInWithToken,
  startConsoleFixture,
} from './helpers/console-fixture.js'

// Who sees what: a reader sees the files they read and nothing of the admin pages or of others'
// files, in the console and in the API alike. And every page, for an admin and for a reader,
// passes axe with no serious or critical violation.

let fx: ConsoleFixture
let tokens: Record<'alice' | 'bob' | 'eve', string>
let shared: string
let private_: string

beforeAll(async () => {
  fx = await startConsoleFixture()
  tokens = {
    alice: await fx.addUser('alice@example.com'),
    bob: await fx.addUser('bob@example.com'),
    eve: await fx.addUser('eve@example.com'),
  }
  const file = join(fx.dir, 'a.txt')
  writeFileSync(file, 'data\n')
  const put = async (token: string, key: string, share: string[]) => {
    const result = await fx.latch(token, [
      'put',
      file,
      `s3://${fx.bucket}/${key}`,
      ...(share.length === 0 ? [] : ['--share', share.join(',')]),
    ])
    expect(result.code, result.stderr).toBe(0)
    return result.stdout.trim()
  }
  shared = await put(tokens.alice, 'team/shared.txt', ['bob@example.com'])
  private_ = await put(tokens.eve, 'eve/private.txt', [])
})
afterAll(async () => {
  await fx?.close()
})

const api = (path: string, token: string) =>
  fetch(`${fx.url}${path}`, { headers: { authorization: `Bearer ${token}` } })

describe('role separation', () => {
  let page: Page

  it('a reader sees no admin section, and its pages are not found', async () => {
    page = await fx.newPage()
    await signInWithToken(page, fx.url, tokens.bob)
    const nav = page.getByRole('navigation', { name: 'Sections' })
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Overview', 'Files'])
    for (const path of ['incident', 'people', 'audit']) {
      await page.goto(`${fx.url}/console/${path}`)
      await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor()
    }
    // The API refuses them too, whatever the page shows.
    for (const path of ['/v1/users', '/v1/lockdowns', '/v1/audit/head', '/v1/audit/export']) {
      const answer = await api(path, tokens.bob)
      expect(answer.status, path).toBe(403)
      expect(((await answer.json()) as { code: string }).code).toBe('ERR_ACCESS_FORBIDDEN')
    }
  })

  it("a reader lists only the files they read; another's file is not found in the console and the API", async () => {
    await page.goto(`${fx.url}/console/files`)
    const rows = page.getByTestId('files').getByRole('link')
    await expect.poll(() => rows.allTextContents()).toEqual([shared])
    await page.goto(`${fx.url}/console/files/${private_}`)
    await page.getByText('No such file, or it is not yours to see.').waitFor()
    expect((await api(`/v1/policies/${private_}`, tokens.bob)).status).toBe(404)
    expect((await api(`/v1/policies/${private_}/report`, tokens.bob)).status).toBe(404)
    // Their own read: the policy, without the owner's controls.
    await page.goto(`${fx.url}/console/files/${shared}`)
    await page.getByRole('heading', { level: 1, name: `File ${shared}` }).waitFor()
    expect(await page.getByRole('button', { name: 'Revoke' }).count()).toBe(0)
    expect(await page.getByText('You read this file').count()).toBe(1)
    // The list the API gives a reader holds their file only, whatever the filter asks.
    const list = (await (await api('/v1/policies?owner=eve%40example.com', tokens.bob)).json()) as {
      items: unknown[]
    }
    expect(list.items).toEqual([])
    await page.context().close()
  })
})

describe('accessibility (axe: no serious or critical violation)', () => {
  it('every page, for an admin and for a reader, dialogs open included', async () => {
    const page = await fx.newPage()
    await page.goto(`${fx.url}/console/`)
    await page.getByLabel('API token').waitFor()
    await expectAccessible(page, 'sign-in')
    await signInWithToken(page, fx.url, fx.adminToken)
    await page.getByTestId('head').waitFor()
    await expectAccessible(page, 'overview (admin)')

    await page.getByRole('link', { name: 'Files' }).click()
    await page.getByTestId('files').getByRole('link', { name: shared }).waitFor()
    await expectAccessible(page, 'files')

    await page.getByTestId('files').getByRole('link', { name: shared }).click()
    await page.getByRole('heading', { name: 'Trail' }).waitFor()
    await page
      .getByRole('table', { name: 'Every audit record of this file, oldest first' })
      .waitFor()
    await expectAccessible(page, 'file')
    await page.getByRole('button', { name: 'Revoke', exact: true }).click()
    await page.getByRole('alertdialog').waitFor()
    await expectAccessible(page, 'revoke dialog')
    await page.keyboard.press('Escape')
    await page.getByRole('alertdialog').waitFor({ state: 'detached' })
    await page.getByRole('button', { name: 'Build report' }).click()
    await page.getByTestId('report').waitFor({ timeout: 60_000 })
    await expectAccessible(page, 'file report')

    await page.getByRole('link', { name: 'Incident' }).click()
    await page.getByLabel('Bucket', { exact: true }).fill(fx.bucket)
    await page.getByLabel('Reason (into the audit log)').fill('drill')
    await page.getByRole('button', { name: 'Count the files it covers' }).click()
    await page.getByTestId('dry-run').waitFor()
    await expectAccessible(page, 'incident')

    await page.getByRole('link', { name: 'People' }).click()
    await page.getByRole('button', { name: 'Tokens of bob@example.com' }).click()
    await page.getByTestId('tokens').getByRole('row').nth(1).waitFor()
    await expectAccessible(page, 'people')
    await page.getByRole('button', { name: 'Mint a token for bob@example.com' }).click()
    await page.getByTestId('new-token').waitFor()
    expect(await page.getByTestId('new-token').textContent()).toMatch(/^latch_/)
    await expectAccessible(page, 'people, a token shown once')

    await page.getByRole('link', { name: 'Audit' }).click()
    await page.getByTestId('verifier-key').waitFor()
    await page.getByRole('table', { name: 'Audit records, newest first' }).waitFor()
    await expectAccessible(page, 'audit')

    const reader = await fx.newPage()
    await signInWithToken(reader, fx.url, tokens.bob)
    await expectAccessible(reader, 'overview (reader)')
    await reader.goto(`${fx.url}/console/files/${shared}`)
    await reader.getByRole('heading', { level: 1, name: `File ${shared}` }).waitFor()
    await expectAccessible(reader, 'file (reader)')
    await reader.goto(`${fx.url}/console/people`)
    await reader.getByRole('heading', { level: 1, name: 'Not found' }).waitFor()
    await expectAccessible(reader, 'not found')
    expect(fx.violations).toEqual([])
  })
})
