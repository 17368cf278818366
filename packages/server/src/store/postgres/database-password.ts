import { readFileSync, statSync } from 'node:fs'
import { ServerError } from '../../errors.js'

/**
 * The PostgreSQL password given outside the database URL, so that it stays out of the process
 * list (`ps` shows every user the arguments of every process): the first line of `file`
 * (`--database-password-file`), else `LATCH_DATABASE_PASSWORD`. Without either, the driver
 * reads `PGPASSWORD` or `~/.pgpass` itself.
 *
 * @param url the database URL, to refuse a password given twice.
 * @param file the password file, or `''`.
 * @param env where `LATCH_DATABASE_PASSWORD` is read.
 * @returns the password, or `undefined` when neither gives one.
 * @throws ServerError `ERR_CONFIG_INVALID` for a password file the group or others may read or
 *   write (as ssh refuses a private key with loose permissions), one that cannot be read or is
 *   empty, and a URL that holds a password too.
 */
export function databasePassword(
  url: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const password = file === '' ? env.LATCH_DATABASE_PASSWORD || undefined : readPasswordFile(file)
  if (password !== undefined && urlHasPassword(url)) {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      `the database password is given twice: in the URL and in ${file === '' ? 'LATCH_DATABASE_PASSWORD' : file}; take it out of the URL`,
    )
  }
  return password
}

function readPasswordFile(file: string): string {
  let text: string
  try {
    // stat follows links: secret stores mount files behind symbolic links.
    const stat = statSync(file)
    if (!stat.isFile()) throw new Error('not a file')
    if ((stat.mode & 0o077) !== 0) {
      throw new ServerError(
        'ERR_CONFIG_INVALID',
        `the database password file ${file} is open to other users (mode 0${(stat.mode & 0o777).toString(8)}): run chmod 600 ${file}`,
      )
    }
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    if (cause instanceof ServerError) throw cause
    throw new ServerError('ERR_CONFIG_INVALID', `cannot read the database password file ${file}`, {
      cause,
    })
  }
  const password = text.split(/\r?\n/)[0] ?? ''
  if (password === '') {
    throw new ServerError('ERR_CONFIG_INVALID', `the database password file ${file} is empty`)
  }
  return password
}

function urlHasPassword(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.password !== '' || parsed.searchParams.has('password')
  } catch {
    return false
  }
}
