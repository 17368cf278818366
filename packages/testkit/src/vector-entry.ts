/**
 * The entry a client asks a key server for, for share `sid`: the preferred key servers first, then
 * header order. Shared by the Node and web vector resolvers (no platform API here).
 */
export function preferredEntry<E extends { readonly sid: number; readonly kasId: string }>(
  entries: readonly E[],
  sid: number,
  preference: readonly string[],
): E | undefined {
  const rank = (kasId: string) => {
    const i = preference.indexOf(kasId)
    return i < 0 ? preference.length : i
  }
  return entries.filter((e) => e.sid === sid).sort((a, b) => rank(a.kasId) - rank(b.kasId))[0]
}
