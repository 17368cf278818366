import { Command } from 'commander'
import { keyServerFor } from '../config.js'
import type { Io } from '../io.js'
import { printable } from '../printable.js'

/** `latch keys rotate`: a new wrap key for new files; old keys keep decrypting. Prints the kid. */
export function keysCommand(io: Io): Command {
  const keys = new Command('keys').description("manage the key server's keys (admin)")
  keys
    .command('rotate')
    .description('add a wrap key for new files; existing files keep working')
    .action(async () => {
      const { kid } = await keyServerFor(io).rotateKey()
      io.stdout.write(`${printable(kid)}\n`)
    })
  keys
    .command('list')
    .description('the public wrap keys, current first')
    .action(async () => {
      const set = await keyServerFor(io).keys()
      for (const key of set.keys) {
        io.stdout.write(`${printable(key.kid)}${key.kid === set.current ? '  (current)' : ''}\n`)
      }
    })
  return keys
}
