import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KeyServerClient } from '@latch/client'
import { createS3Client } from '@latch/s3'
import { buildFormApp } from './app.js'
import { openSubmissionsDb } from './submissions-db.js'

// `npm start` in examples/pii-form after `npm run build`; configuration from the environment.
const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback
  if (value === undefined) throw new Error(`set ${name}`)
  return value
}
const keyServerUrl = env('LATCH_SERVER', 'http://127.0.0.1:8400')
const app = await buildFormApp({
  s3: createS3Client(),
  s3Origin: new URL(env('AWS_ENDPOINT_URL_S3')).origin,
  bucket: env('PII_FORM_BUCKET'),
  keyServerUrl,
  keyServer: new KeyServerClient({ server: keyServerUrl, token: env('LATCH_TOKEN') }),
  owner: env('PII_FORM_OWNER'),
  readers: env('PII_FORM_READERS').split(','),
  db: openSubmissionsDb(env('PII_FORM_DB', 'pii-form.db')),
  publicDir: join(dirname(fileURLToPath(import.meta.url)), '../public'),
  assetsDir: join(dirname(fileURLToPath(import.meta.url)), 'assets'),
})
await app.listen({ host: '127.0.0.1', port: Number(env('PORT', '8080')) })
process.stderr.write(`pii-form on http://127.0.0.1:${env('PORT', '8080')}\n`)
