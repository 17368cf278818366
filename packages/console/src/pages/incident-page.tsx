import type { AddLockdownBody, LockdownReach } from '@latch/protocol'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import {
  Button,
  Checkbox,
  Form,
  Heading,
  Input,
  Label,
  Radio,
  RadioGroup,
  TextField,
} from 'react-aria-components'
import { useApi } from '../api/use-api.js'
import { AdminOnly } from '../components/admin-only.js'
import { ConfirmDialog } from '../components/confirm-dialog.js'
import { ErrorNote } from '../components/error-note.js'
import { When } from '../components/when.js'

type ScopeKind = 'bucket' | 'owner' | 'all'

/**
 * Incident (admins, `/console/incident`): lock down every file in a bucket (under a key prefix),
 * of an owner, or all of them (`POST /v1/lockdowns`). The dry run counts the files and objects
 * the scope covers now, and the count is shown again in the confirmation; the rule applies to
 * every key request after its commit, the owners' included. The active rules (and, on demand,
 * the lifted ones) with a lift, which leaves files revoked one by one revoked.
 */
export function IncidentPage() {
  return (
    <AdminOnly>
      <section className="stack">
        <Heading level={1}>Incident</Heading>
        <LockdownForm />
        <Rules />
      </section>
    </AdminOnly>
  )
}

function scopeText(scope: {
  kind: string
  bucket: string | null
  prefix: string | null
  owner: string | null
}): string {
  if (scope.kind === 'all') return 'every file'
  if (scope.kind === 'owner') return `the files of ${scope.owner}`
  return `s3://${scope.bucket}/${scope.prefix ?? ''}*`
}

function LockdownForm() {
  const api = useApi()
  const queryClient = useQueryClient()
  const [kind, setKind] = useState<ScopeKind>('bucket')
  const [bucket, setBucket] = useState('')
  const [prefix, setPrefix] = useState('')
  const [owner, setOwner] = useState('')
  const [reason, setReason] = useState('')
  const [reach, setReach] = useState<{ key: string; value: LockdownReach } | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [created, setCreated] = useState<string | null>(null)
  const body: AddLockdownBody =
    kind === 'all'
      ? { all: true, reason: reason.trim() }
      : kind === 'owner'
        ? { owner: owner.trim(), reason: reason.trim() }
        : {
            bucket: bucket.trim(),
            ...(prefix === '' ? {} : { prefix }),
            reason: reason.trim(),
          }
  const key = JSON.stringify({ ...body, reason: undefined })
  const counted = reach !== null && reach.key === key ? reach.value : null
  return (
    <Form
      className="card stack"
      aria-labelledby="lockdown-title"
      onSubmit={async (event) => {
        event.preventDefault()
        setError(null)
        setCreated(null)
        try {
          const value = await api('addLockdown', { body: { ...body, dryRun: true } })
          if ('dryRun' in value) setReach({ key, value })
        } catch (failure) {
          setError(failure)
        }
      }}
    >
      <Heading level={2} id="lockdown-title">
        Lock down
      </Heading>
      <p className="muted">
        No key for any file in the scope, its owner's included, from the moment it is committed
        until it is lifted.
      </p>
      <RadioGroup
        className="radio-group"
        value={kind}
        onChange={(value) => setKind(value as ScopeKind)}
      >
        <Label>Scope</Label>
        <Radio value="bucket" className="radio">
          A bucket, or a key prefix in it
        </Radio>
        <Radio value="owner" className="radio">
          An owner's files
        </Radio>
        <Radio value="all" className="radio">
          Every file
        </Radio>
      </RadioGroup>
      {kind === 'bucket' ? (
        <div className="inline-form">
          <TextField className="field" value={bucket} onChange={setBucket} isRequired>
            <Label>Bucket</Label>
            <Input spellCheck={false} />
          </TextField>
          <TextField className="field" value={prefix} onChange={setPrefix}>
            <Label>Key prefix (optional)</Label>
            <Input spellCheck={false} placeholder="claims/" />
          </TextField>
        </div>
      ) : null}
      {kind === 'owner' ? (
        <TextField className="field" value={owner} onChange={setOwner} isRequired type="email">
          <Label>Owner</Label>
          <Input spellCheck={false} />
        </TextField>
      ) : null}
      <TextField className="field" value={reason} onChange={setReason} isRequired maxLength={500}>
        <Label>Reason (into the audit log)</Label>
        <Input placeholder="INC-1 lost laptop" />
      </TextField>
      <div className="inline-form">
        <Button type="submit" className="button">
          Count the files it covers
        </Button>
      </div>
      <ErrorNote error={error} />
      {counted === null ? null : (
        <div className="notice" role="status" data-testid="dry-run">
          <p>
            {scopeText(counted.scope)} covers <strong>{counted.policies}</strong> file
            {counted.policies === 1 ? '' : 's'} ({counted.objects} object
            {counted.objects === 1 ? '' : 's'}) now. Nothing changed yet.
          </p>
          <ConfirmDialog
            trigger={`Lock down ${counted.policies} file${counted.policies === 1 ? '' : 's'}`}
            title="Lock down now?"
            confirmLabel="Lock down"
            tone="danger"
            onConfirm={async () => {
              const rule = await api('addLockdown', { body })
              if ('id' in rule) setCreated(rule.id)
              setReach(null)
              await queryClient.invalidateQueries({ queryKey: ['lockdowns'] })
              await queryClient.invalidateQueries({ queryKey: ['overview'] })
            }}
          >
            <p>
              {scopeText(counted.scope)}: {counted.policies} file
              {counted.policies === 1 ? '' : 's'} ({counted.objects} object
              {counted.objects === 1 ? '' : 's'}) at the last count, and any file that enters the
              scope later. Reason: “{body.reason}”.
            </p>
          </ConfirmDialog>
        </div>
      )}
      {created === null ? null : (
        <p className="notice" role="status">
          Rule <code data-testid="created-rule">{created}</code> is in force.
        </p>
      )}
    </Form>
  )
}

function Rules() {
  const api = useApi()
  const queryClient = useQueryClient()
  const [lifted, setLifted] = useState(false)
  const rules = useQuery({
    queryKey: ['lockdowns', lifted],
    queryFn: ({ signal }) => api('listLockdowns', { query: lifted ? { all: 'true' } : {} }, signal),
  })
  return (
    <section className="card" aria-labelledby="rules-title">
      <Heading level={2} id="rules-title">
        {lifted ? 'All rules' : 'Active rules'}
      </Heading>
      <Checkbox className="checkbox" isSelected={lifted} onChange={setLifted}>
        <span className="checkbox-box" aria-hidden="true" />
        Show lifted rules too
      </Checkbox>
      <ErrorNote error={rules.error} />
      <div className="table-wrap">
        <table className="table" data-testid="rules">
          <caption className="sr-only">Lockdown rules, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Scope</th>
              <th scope="col">Reason</th>
              <th scope="col">Added</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {rules.data?.rules.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  No rule.
                </td>
              </tr>
            ) : null}
            {rules.data?.rules.map((rule) => (
              <tr key={rule.id}>
                <td>
                  <code>{rule.id}</code>
                </td>
                <td>
                  <code>{scopeText(rule.scope)}</code>
                </td>
                <td>{rule.reason}</td>
                <td>
                  <When time={rule.createdAt} /> by {rule.createdBy}
                </td>
                <td>
                  {rule.lifted === null ? (
                    <ConfirmDialog
                      trigger="Lift"
                      triggerName={`Lift rule ${rule.id}`}
                      title={`Lift ${rule.id}?`}
                      confirmLabel="Lift"
                      reason="optional"
                      onConfirm={async (reason) => {
                        await api('liftLockdown', {
                          params: { id: rule.id },
                          body: reason === undefined ? {} : { reason },
                        })
                        await queryClient.invalidateQueries({ queryKey: ['lockdowns'] })
                        await queryClient.invalidateQueries({ queryKey: ['overview'] })
                      }}
                    >
                      <p>
                        Keys of {scopeText(rule.scope)} are released again from the next request,
                        unless another rule covers them. Files revoked one by one stay revoked.
                      </p>
                    </ConfirmDialog>
                  ) : (
                    <>
                      lifted <When time={rule.lifted.at} /> by {rule.lifted.by}
                      {rule.lifted.reason === null ? '' : `: ${rule.lifted.reason}`}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
