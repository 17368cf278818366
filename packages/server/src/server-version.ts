import { readFileSync } from 'node:fs'

/**
 * The key server's version: its package's, read once (the file sits one level above this module,
 * in `src/` and in `dist/` alike).
 */
export const SERVER_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
).version
