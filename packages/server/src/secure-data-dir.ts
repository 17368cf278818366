import { chmodSync, mkdirSync, statSync } from 'node:fs'
import { ServerError } from './errors.js'

/** What {@link secureDataDir} did, for the start-up log. */
export interface DataDirState {
  /** The directory did not exist: it was created with mode 0700. */
  readonly created: boolean
  /** The permission bits it had when they gave the group or others access (then set to 0700). */
  readonly tightenedFrom: number | undefined
}

/**
 * Makes sure the data directory is private before anything secret is written into it (the root
 * key, the SQLite database, the first admin's token, `latch dev`'s env file): created with mode
 * 0700 when missing; a directory of this process's user that the group or others may enter is
 * set to 0700 (the caller logs a warning saying so); a directory of another user is refused,
 * since its owner could read or replace whatever the server writes there, and so is a sticky
 * one (`/tmp`), which others share by design.
 *
 * @param dir the data directory.
 * @returns whether it was created, and the mode it had when it was tightened.
 * @throws ServerError `ERR_CONFIG_INVALID` when it is not a directory, belongs to another user,
 *   is sticky, or cannot be created or changed.
 */
export function secureDataDir(dir: string): DataDirState {
  let created = false
  try {
    created = mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined
  } catch (cause) {
    throw new ServerError('ERR_CONFIG_INVALID', `cannot create the data directory ${dir}`, {
      cause,
    })
  }
  const stat = statSync(dir)
  if (!stat.isDirectory()) {
    throw new ServerError('ERR_CONFIG_INVALID', `the data directory ${dir} is not a directory`)
  }
  const uid = process.getuid?.()
  if (uid !== undefined && stat.uid !== uid) {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      `the data directory ${dir} belongs to uid ${stat.uid}, not to the server's user (uid ${uid}): its owner could read or replace the server's keys; run the server as its owner, or give it a directory of its own`,
    )
  }
  // A sticky directory (/tmp) is shared by design: taking it over would break everyone else's use.
  if ((stat.mode & 0o1000) !== 0) {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      `the data directory ${dir} is a shared directory (mode 0${(stat.mode & 0o7777).toString(8)}): give the server a directory of its own`,
    )
  }
  const mode = stat.mode & 0o777
  if ((mode & 0o077) === 0) return { created, tightenedFrom: undefined }
  try {
    chmodSync(dir, 0o700)
  } catch (cause) {
    throw new ServerError('ERR_CONFIG_INVALID', `cannot chmod 700 the data directory ${dir}`, {
      cause,
    })
  }
  return { created, tightenedFrom: mode }
}
