// `npm run console:screenshots`: the PNGs of docs/console/, taken in headless Chromium from a
// `latch dev` seeded through the CLI with a few files, readers, a revoke, reads and denials and a
// lockdown. Needs `npm run build` (the script's npm entry runs it) and /usr/bin/chromium.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchChromium } from '@latch/testkit/browser'
import { runLatch, startLatchProcess } from '@latch/testkit/latch-process'

const out = new URL('../../../docs/console/', import.meta.url)
const dir = mkdtempSync(join(tmpdir(), 'latch-screenshots-'))
const dev = await startLatchProcess(
  ['dev', '--data', join(dir, 'data'), '--port', '0', '--s3-port', '0'],
  (stdout) => {
    if (!stdout.includes('AWS_REGION')) return undefined
    const lines = [...stdout.matchAll(/^export (\w+)=(.*)$/gm)]
    return { env: Object.fromEntries(lines.map(([, k, v]) => [k, v])) }
  },
)
const admin = dev.env
const latch = async (env, args) => {
  const result = await runLatch(args, env)
  if (result.code !== 0) throw new Error(`latch ${args.join(' ')}: ${result.stderr}`)
  return result.stdout.trim()
}
const as = async (email) => ({ ...admin, LATCH_TOKEN: await latch(admin, ['users', 'add', email]) })
const browser = await launchChromium()
try {
  const alice = await as('alice@example.com')
  const bob = await as('bob@example.com')
  const eve = await as('eve@example.com')
  const file = join(dir, 'claim.txt')
  writeFileSync(file, 'Jane Doe, account 12345678\n')
  const put = (env, key, ...flags) => latch(env, ['put', file, `s3://latch-dev/${key}`, ...flags])
  const claim = await put(alice, 'claims/2026/claim-0001.pdf', '--share', 'bob@example.com')
  await put(alice, 'claims/2026/claim-0002.pdf', '--share', 'bob@example.com,*@example.org')
  await put(alice, 'claims/2026/claim-0003.pdf', '--expires', '30d')
  const payroll = await put(eve, 'payroll/2026-11.csv', '--share', 'bob@example.com')
  await put(eve, 'payroll/2026-12.csv')
  await latch(bob, ['get', 's3://latch-dev/claims/2026/claim-0001.pdf', '-'])
  await latch(alice, ['get', 's3://latch-dev/claims/2026/claim-0001.pdf', '-'])
  await runLatch(['get', 's3://latch-dev/claims/2026/claim-0001.pdf', '-'], eve)
  await latch(eve, ['revoke', payroll, '--reason', 'sent to the wrong team'])
  await latch(admin, [
    'lockdown',
    '--bucket',
    'latch-dev',
    '--prefix',
    'payroll/',
    '--reason',
    'INC-42 laptop lost',
  ])
  await runLatch(['get', 's3://latch-dev/payroll/2026-12.csv', '-'], eve)

  const page = await (
    await browser.newContext({ viewport: { width: 1280, height: 860 } })
  ).newPage()
  const base = new URL(admin.LATCH_SERVER).origin
  const shot = async (name) => {
    await page.waitForTimeout(300)
    await page.screenshot({ path: new URL(`${name}.png`, out).pathname, fullPage: true })
  }
  await page.goto(`${base}/console/`)
  await page.getByLabel('API token').waitFor()
  await shot('sign-in')
  await page.getByLabel('API token').fill(admin.LATCH_TOKEN)
  await page.getByRole('button', { name: 'Sign in with the token' }).click()
  await page.getByTestId('head').waitFor()
  await shot('overview')
  await page.getByRole('link', { name: 'Files' }).click()
  await page.getByTestId('files').getByRole('link').first().waitFor()
  await shot('files')
  await page.getByTestId('files').getByRole('link', { name: claim }).click()
  await page.getByRole('button', { name: 'Build report' }).click()
  await page.getByTestId('report').waitFor({ timeout: 60_000 })
  await shot('file')
  await page.getByRole('button', { name: 'Revoke', exact: true }).click()
  await page
    .getByRole('alertdialog')
    .getByLabel(/^Reason/)
    .fill('sent by mistake')
  await page.screenshot({ path: new URL('revoke-dialog.png', out).pathname })
  await page.keyboard.press('Escape')
  await page.getByRole('link', { name: 'Incident' }).click()
  await page.getByLabel('Bucket', { exact: true }).fill('latch-dev')
  await page.getByLabel('Key prefix (optional)').fill('claims/')
  await page.getByLabel('Reason (into the audit log)').fill('INC-43 bucket policy opened')
  await page.getByRole('button', { name: 'Count the files it covers' }).click()
  await page.getByTestId('dry-run').waitFor()
  await shot('incident')
  await page.getByRole('link', { name: 'People' }).click()
  await page.getByRole('button', { name: 'Tokens of bob@example.com' }).click()
  await page.getByTestId('tokens').getByRole('row').nth(1).waitFor()
  await shot('people')
  await page.getByRole('link', { name: 'Audit' }).click()
  await page.getByTestId('verifier-key').waitFor()
  await shot('audit')
  console.log(`screenshots in ${out.pathname}`)
} finally {
  await browser.close()
  await dev.stop()
  rmSync(dir, { recursive: true, force: true })
}
