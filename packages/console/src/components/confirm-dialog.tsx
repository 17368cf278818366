import { type ReactNode, useState } from 'react'
import {
  Button,
  Dialog,
  DialogTrigger,
  Form,
  Heading,
  Input,
  Label,
  Modal,
  ModalOverlay,
  TextField,
} from 'react-aria-components'
import { ErrorNote } from './error-note.js'

/** Options of {@link ConfirmDialog}. */
export interface ConfirmDialogProps {
  /** The label of the button that opens the dialog. */
  readonly trigger: ReactNode
  /** An accessible name for the trigger when its label alone is ambiguous. */
  readonly triggerName?: string
  readonly title: string
  /** What will happen, in the user's terms. */
  readonly children: ReactNode
  readonly confirmLabel: string
  /** Whether a reason is asked for: it goes into the audit record. */
  readonly reason?: 'optional' | 'required'
  /** Destructive actions get the danger look. */
  readonly tone?: 'danger' | 'normal'
  /** Runs the action; the dialog closes when it succeeds and shows the error when it fails. */
  readonly onConfirm: (reason: string | undefined) => Promise<unknown>
}

/**
 * A button that opens a modal dialog asking to confirm an action (with a reason, when the action
 * records one), for every change the console makes. Keyboard: the trigger opens on Enter or
 * Space, focus moves into the dialog, Escape cancels, and Enter in the form confirms.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const [open, setOpen] = useState(false)
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [reason, setReason] = useState('')
  const onOpenChange = (next: boolean) => {
    setOpen(next)
    if (next) {
      setError(null)
      setReason('')
    }
  }
  return (
    <DialogTrigger isOpen={open} onOpenChange={onOpenChange}>
      <Button
        className={props.tone === 'danger' ? 'button danger' : 'button'}
        {...(props.triggerName === undefined ? {} : { 'aria-label': props.triggerName })}
      >
        {props.trigger}
      </Button>
      <ModalOverlay className="modal-overlay" isDismissable={!pending}>
        <Modal className="modal">
          <Dialog className="dialog" role="alertdialog">
            {({ close }) => (
              <Form
                onSubmit={async (event) => {
                  event.preventDefault()
                  setPending(true)
                  setError(null)
                  try {
                    await props.onConfirm(reason.trim() === '' ? undefined : reason.trim())
                    close()
                  } catch (failure) {
                    setError(failure)
                  } finally {
                    setPending(false)
                  }
                }}
              >
                <Heading slot="title">{props.title}</Heading>
                <div className="dialog-body">{props.children}</div>
                {props.reason === undefined ? null : (
                  <TextField
                    className="field"
                    value={reason}
                    onChange={setReason}
                    isRequired={props.reason === 'required'}
                    maxLength={500}
                    autoFocus
                  >
                    <Label>Reason{props.reason === 'optional' ? ' (optional)' : ''}</Label>
                    <Input />
                  </TextField>
                )}
                <ErrorNote error={error} />
                <div className="dialog-actions">
                  <Button className="button" onPress={close} isDisabled={pending}>
                    Cancel
                  </Button>
                  <Button
                    type="submit"
                    className={props.tone === 'danger' ? 'button danger' : 'button primary'}
                    isDisabled={pending}
                    autoFocus={props.reason === undefined}
                  >
                    {pending ? 'Working…' : props.confirmLabel}
                  </Button>
                </div>
              </Form>
            )}
          </Dialog>
        </Modal>
      </ModalOverlay>
    </DialogTrigger>
  )
}
