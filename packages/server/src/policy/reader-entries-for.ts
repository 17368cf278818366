/**
 * The reader entries that name `email` under `readerMatches`: the address itself and
 * `*@` its domain (the part after its last `@`). A store finds the policies an email may read by
 * these entries, through an index, and so applies the rule key decisions apply. For a `*@domain`
 * entry it gives that entry (and no other).
 *
 * @param email a lower-cased email, or a `*@domain` entry.
 * @returns the entries, without repeats.
 * @example
 * readerEntriesFor('bob@example.com') // ['bob@example.com', '*@example.com']
 */
export function readerEntriesFor(email: string): string[] {
  const at = email.lastIndexOf('@')
  if (at <= 0) return [email]
  const domain = `*@${email.slice(at + 1)}`
  return domain === email ? [email] : [email, domain]
}
