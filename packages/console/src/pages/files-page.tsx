import type { ListPoliciesQuery } from '@latch/protocol'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { Link, useNavigate, useSearch } from '@tanstack/react-router'
import { useState } from 'react'
import {
  Button,
  Form,
  Heading,
  Input,
  Label,
  ListBox,
  ListBoxItem,
  Popover,
  Select,
  SelectValue,
  TextField,
} from 'react-aria-components'
import { useApi } from '../api/use-api.js'
import { ErrorNote } from '../components/error-note.js'
import { PolicyState } from '../components/policy-state.js'
import { When } from '../components/when.js'

/** The filters of the Files page, kept in its address (never a secret). */
export type FilesSearch = Partial<
  Record<'owner' | 'reader' | 'bucket' | 'prefix' | 'label' | 'state' | 'q' | 'cursor', string>
>

const FILTERS = [
  ['q', 'Search', 'owner, reader, bucket, key or id'],
  ['owner', 'Owner', 'alice@example.com'],
  ['reader', 'Reader', 'bob@example.com or *@example.com'],
  ['bucket', 'Bucket', 'claims'],
  ['prefix', 'Key prefix', '2026/ (with a bucket)'],
  ['label', 'Label', 'key=value'],
] as const

/**
 * Files (`/console/files`): the policies the user may see (admins: all; others: those they own
 * or read), newest first, 50 a page, searched by owner, reader, bucket and prefix, label, state
 * and free text (`GET /v1/policies`). The filters live in the address, so a search can be
 * bookmarked or sent to a colleague, who sees only what they may.
 */
export function FilesPage() {
  const search = useSearch({ from: '/files' })
  const navigate = useNavigate({ from: '/files' })
  const api = useApi()
  const [draft, setDraft] = useState<FilesSearch>(search)
  const [history, setHistory] = useState<string[]>([])
  const [openId, setOpenId] = useState('')
  const query: ListPoliciesQuery = { ...search, limit: '50' } as ListPoliciesQuery
  const page = useQuery({
    queryKey: ['policies', query],
    queryFn: ({ signal }) => api('listPolicies', { query }, signal),
    placeholderData: keepPreviousData,
  })
  const apply = (next: FilesSearch) => {
    setHistory([])
    const clean = Object.fromEntries(
      Object.entries(next).filter(([, v]) => typeof v === 'string' && v.trim() !== ''),
    )
    void navigate({ search: clean })
  }
  return (
    <section className="stack">
      <Heading level={1}>Files</Heading>
      <Form
        className="card filters"
        aria-label="Search files"
        onSubmit={(event) => {
          event.preventDefault()
          const { cursor: _cursor, ...filters } = draft
          apply(filters)
        }}
      >
        {FILTERS.map(([key, label, placeholder]) => (
          <TextField
            key={key}
            className="field"
            value={draft[key] ?? ''}
            onChange={(value) => setDraft({ ...draft, [key]: value })}
          >
            <Label>{label}</Label>
            <Input placeholder={placeholder} />
          </TextField>
        ))}
        <Select
          className="field"
          selectedKey={draft.state ?? 'any'}
          onSelectionChange={(key) =>
            setDraft(() => {
              const { state: _state, ...rest } = draft
              return key === 'any' ? rest : { ...rest, state: String(key) }
            })
          }
        >
          <Label>State</Label>
          <Button className="button select-button">
            <SelectValue />
            <span aria-hidden="true"> ▾</span>
          </Button>
          <Popover className="popover">
            <ListBox className="listbox">
              <ListBoxItem id="any" className="option">
                any
              </ListBoxItem>
              <ListBoxItem id="active" className="option">
                active
              </ListBoxItem>
              <ListBoxItem id="revoked" className="option">
                revoked
              </ListBoxItem>
              <ListBoxItem id="expired" className="option">
                expired
              </ListBoxItem>
            </ListBox>
          </Popover>
        </Select>
        <div className="filter-actions">
          <Button type="submit" className="button primary">
            Search
          </Button>
          <Button
            className="button"
            onPress={() => {
              setDraft({})
              apply({})
            }}
          >
            Clear
          </Button>
        </div>
      </Form>
      <ErrorNote error={page.error} />
      {page.data === undefined ? (
        page.error === null ? (
          <p aria-busy="true">Loading…</p>
        ) : null
      ) : (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="files">
              <caption>
                {page.data.items.length === 0
                  ? 'No file matches'
                  : `Files ${history.length * 50 + 1} to ${history.length * 50 + page.data.items.length}, newest first`}
              </caption>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Location</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Readers</th>
                  <th scope="col">Expiry</th>
                  <th scope="col">State</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {page.data.items.map((p) => {
                  const located = p.objects.filter((o) => o.bucket !== null)
                  const first = located[0]
                  return (
                    <tr key={p.id}>
                      <td>
                        <Link to="/files/$policyId" params={{ policyId: p.id }}>
                          <code>{p.id}</code>
                        </Link>
                      </td>
                      <td>
                        {first === undefined ? (
                          <span className="muted">—</span>
                        ) : (
                          <code>
                            s3://{first.bucket}/{first.key}
                          </code>
                        )}
                        {located.length > 1 ? (
                          <span className="muted"> (+{located.length - 1})</span>
                        ) : null}
                      </td>
                      <td>{p.owner}</td>
                      <td>{p.readers.length === 0 ? '—' : p.readers.join(', ')}</td>
                      <td>
                        <When time={p.expiresAt} fallback="never" />
                      </td>
                      <td>
                        <PolicyState policy={p} />
                      </td>
                      <td>
                        <When time={p.createdAt} />
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages of files">
            <Button
              className="button"
              isDisabled={history.length === 0}
              onPress={() => {
                const previous = history.at(-1)
                setHistory(history.slice(0, -1))
                void navigate({
                  search: { ...search, cursor: previous === '' ? undefined : previous },
                })
              }}
            >
              Previous page
            </Button>
            <Button
              className="button"
              isDisabled={page.data.nextCursor === null}
              onPress={() => {
                setHistory([...history, search.cursor ?? ''])
                void navigate({ search: { ...search, cursor: page.data?.nextCursor ?? undefined } })
              }}
            >
              Next page
            </Button>
          </nav>
        </>
      )}
      <Form
        className="card inline-form"
        aria-label="Open a file by its policy id"
        onSubmit={(event) => {
          event.preventDefault()
          const id = openId.trim()
          if (id !== '') void navigate({ to: '/files/$policyId', params: { policyId: id } })
        }}
      >
        <TextField className="field" value={openId} onChange={setOpenId}>
          <Label>Policy id</Label>
          <Input placeholder="p-…" spellCheck={false} />
        </TextField>
        <Button type="submit" className="button">
          Open
        </Button>
      </Form>
    </section>
  )
}
