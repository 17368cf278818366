/**
 * A database URL without its password, for messages and logs.
 *
 * @param url a `postgres://` URL, which may hold a password.
 * @returns the URL with `***` for its password; `postgres://…` when it does not parse.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'postgres://…'
  }
}
