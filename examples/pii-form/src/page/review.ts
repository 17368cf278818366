import { fetchDecrypted } from '@latch/browser'

// The review page: the reader's token goes to the key server only (and to the app's list, which
// checks it there); the objects come from S3 and are decrypted here. Nothing is shown before the
// whole object decrypted: a tampered object shows an error and no data.

interface Listed {
  readonly id: string
  readonly objects: readonly { name: 'form' | 'attachment'; url: string }[]
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const errorBox = byId<HTMLElement>('error')
let keyServer = ''
let token = ''

// Read with a reader, not `new Response(stream)`: that turns the stream's error (its code) into a
// bare TypeError.
async function decrypt(url: string): Promise<Blob> {
  const reader = (await fetchDecrypted(url, { keyServer, token })).getReader()
  const chunks: Uint8Array<ArrayBuffer>[] = []
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return new Blob(chunks)
    chunks.push(value as Uint8Array<ArrayBuffer>)
  }
}

async function open(submission: Listed): Promise<void> {
  const opened = byId<HTMLElement>('opened')
  const link = byId<HTMLAnchorElement>('shown-attachment')
  opened.hidden = true
  link.hidden = true
  errorBox.textContent = ''
  try {
    const form = submission.objects.find((o) => o.name === 'form')
    const attachment = submission.objects.find((o) => o.name === 'attachment')
    const [typed, file] = await Promise.all([
      form === undefined ? undefined : decrypt(form.url),
      attachment === undefined ? undefined : decrypt(attachment.url),
    ])
    const values =
      typed === undefined ? {} : (JSON.parse(await typed.text()) as Record<string, string>)
    byId('shown-name').textContent = values.name ?? ''
    byId('shown-national-id').textContent = values.nationalId ?? ''
    if (file !== undefined) {
      link.href = URL.createObjectURL(file)
      link.download = `attachment-${submission.id}`
      link.dataset.size = String(file.size)
      link.hidden = false
    }
    opened.hidden = false
  } catch (error) {
    errorBox.textContent = `Cannot open this submission: ${(error as { code?: string }).code ?? 'ERR_UNKNOWN'}`
  }
}

byId<HTMLFormElement>('sign-in').addEventListener('submit', (event) => {
  event.preventDefault()
  token = byId<HTMLInputElement>('token').value
  void (async () => {
    keyServer = ((await (await fetch('/api/config')).json()) as { keyServer: string }).keyServer
    const answer = await fetch('/api/submissions', {
      headers: { authorization: `Bearer ${token}` },
    })
    if (!answer.ok) {
      errorBox.textContent = `The token was refused (${answer.status})`
      return
    }
    const list = byId<HTMLUListElement>('submissions')
    list.replaceChildren()
    for (const submission of (await answer.json()) as Listed[]) {
      const item = document.createElement('li')
      const button = document.createElement('button')
      button.textContent = `Open ${submission.id}`
      button.dataset.submission = submission.id
      button.addEventListener('click', () => void open(submission))
      item.append(button)
      list.append(item)
    }
  })()
})
