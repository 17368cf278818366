import { useState } from 'react'
import { Button } from 'react-aria-components'

/**
 * Copies a value (a new token, a verifier key) to the clipboard and says so.
 *
 * @param props.value What to copy.
 * @param props.label The button's name, e.g. "Copy token".
 */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  return (
    <>
      <Button
        className="button"
        onPress={() => {
          navigator.clipboard.writeText(value).then(
            () => setState('copied'),
            () => setState('failed'),
          )
        }}
      >
        {label}
      </Button>
      <span className="muted" aria-live="polite">
        {state === 'copied' ? ' Copied.' : state === 'failed' ? ' Copy failed: select it.' : ''}
      </span>
    </>
  )
}
