/**
 * Whether `email` is named by a reader entry: the same address (entries and emails are stored in
 * lower case), or `*@domain` for any address at exactly that domain (not its subdomains).
 */
export function readerMatches(entry: string, email: string): boolean {
  if (entry.startsWith('*@')) {
    const at = email.lastIndexOf('@')
    return at > 0 && email.slice(at + 1) === entry.slice(2)
  }
  return entry === email
}
