import type { MintedToken } from '@latch/protocol'
import { Button } from 'react-aria-components'
import { CopyButton } from './copy-button.js'

/**
 * A token just minted, shown once: the server keeps only its hash, so this is its only copy.
 * It lives in this component's state and goes when dismissed.
 *
 * @param props.minted The answer of `POST /v1/users` or `POST /v1/tokens`.
 * @param props.onDismiss Forgets it.
 */
export function SecretOnce({ minted, onDismiss }: { minted: MintedToken; onDismiss: () => void }) {
  return (
    <div className="notice secret" role="status" aria-label={`New token for ${minted.email}`}>
      <p>
        The API token of <strong>{minted.email}</strong> (id <code>{minted.tokenId}</code>). It is
        shown only once: copy it now and hand it over safely. You minted it, so every record made
        with it names you until its user runs <code>latch token rotate</code>.
      </p>
      <p>
        <code className="token" data-testid="new-token">
          {minted.token}
        </code>
      </p>
      <div className="inline-form">
        <CopyButton value={minted.token} label="Copy token" />
        <Button className="button" onPress={onDismiss}>
          Done, forget it
        </Button>
      </div>
    </div>
  )
}
