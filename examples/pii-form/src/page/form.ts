import { encryptAndUpload } from '@latch/browser'
import type { KeySet } from '@latch/protocol'

// The form page: nothing typed or attached is sent to the app; the app gets sizes only.

interface Created {
  readonly id: string
  readonly policyId: string
  readonly keys: KeySet
}

async function post<T>(url: string, body: unknown): Promise<T> {
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!answer.ok) throw new Error(`${url}: ${answer.status}`)
  return (answer.status === 204 ? undefined : await answer.json()) as T
}

function upload(
  created: Created,
  name: 'form' | 'attachment',
  blob: Blob,
  onProgress: (f: number) => void,
) {
  const base = `/api/submissions/${created.id}/uploads/${name}`
  return encryptAndUpload(blob, {
    policyId: created.policyId,
    keys: created.keys,
    start: (info) => post(`${base}/start`, info),
    complete: () => post(`${base}/complete`, {}),
    abort: () => post(`${base}/abort`, {}),
    onProgress: (p) => onProgress(p.total === 0 ? 1 : p.loaded / p.total),
  })
}

const form = document.getElementById('claim') as HTMLFormElement
const status = document.getElementById('status') as HTMLElement
const progress = document.getElementById('progress') as HTMLProgressElement
form.addEventListener('submit', (event) => {
  event.preventDefault()
  const name = (document.getElementById('name') as HTMLInputElement).value
  const nationalId = (document.getElementById('national-id') as HTMLInputElement).value
  const file = (document.getElementById('attachment') as HTMLInputElement).files?.[0]
  status.textContent = 'Encrypting and sending…'
  void (async () => {
    try {
      const created = await post<Created>('/api/submissions', {})
      const typed = new Blob([JSON.stringify({ name, nationalId })], { type: 'application/json' })
      await upload(created, 'form', typed, () => undefined)
      if (file !== undefined) await upload(created, 'attachment', file, (f) => (progress.value = f))
      progress.value = 1
      form.reset()
      status.textContent = `Sent: submission ${created.id}`
      status.dataset.submission = created.id
    } catch (error) {
      status.textContent = `Not sent: ${(error as { code?: string }).code ?? (error as Error).message}`
      status.dataset.failed = 'true'
    }
  })()
})
