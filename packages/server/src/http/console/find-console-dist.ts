import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/**
 * Where the built web console is: the `dist` folder of `@latch/console` (`npm run build` makes
 * it with Vite), or `undefined` when the package is not installed or not built.
 *
 * @returns The absolute path of the folder that holds `index.html` and `assets/`.
 */
export function findConsoleDist(): string | undefined {
  let manifest: string
  try {
    manifest = createRequire(import.meta.url).resolve('@latch/console/package.json')
  } catch {
    return undefined
  }
  const dist = join(dirname(manifest), 'dist')
  return existsSync(join(dist, 'index.html')) ? dist : undefined
}
