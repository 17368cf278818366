import { ApiError } from './api-error.js'

/**
 * Downloads an answer of the key server as a file: fetched with the bearer token in a header
 * (a plain link could not carry it, and a token must never go into an address), then saved
 * through a temporary `blob:` link under the name the server's `Content-Disposition` gives.
 *
 * @param path The path and query on this origin, e.g. `/v1/audit/export?policy=p-…`.
 * @param token The session's token.
 * @param fallbackName The file name when the server gives none.
 * @returns The name it was saved under and its size in bytes.
 * @throws ApiError when the server refuses.
 */
export async function downloadFile(
  path: string,
  token: string,
  fallbackName: string,
): Promise<{ name: string; bytes: number }> {
  const response = await fetch(path, {
    headers: { authorization: `Bearer ${token}` },
    credentials: 'omit',
    cache: 'no-store',
  }).catch(() => {
    throw new ApiError(0, { message: 'the key server cannot be reached' })
  })
  if (!response.ok) {
    throw new ApiError(response.status, await response.json().catch(() => ({})))
  }
  const blob = await response.blob()
  const disposition = response.headers.get('content-disposition') ?? ''
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName
  const url = URL.createObjectURL(blob)
  try {
    const link = document.createElement('a')
    link.href = url
    link.download = name
    document.body.append(link)
    link.click()
    link.remove()
  } finally {
    // After the click has handed the blob to the download.
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  }
  return { name, bytes: blob.size }
}
