import { ServerError } from '../../errors.js'

/** Where the root key that seals the server's private keys is kept. */
export type Custody =
  /** A 32-byte key from `file`, else `LATCH_ROOT_KEY`, else `DATA/root.key` (the default). */
  | { readonly kind: 'root-key'; readonly file?: string }
  /** A non-extractable AES-256 key in a PKCS#11 token (an HSM), used through `module`. */
  | {
      readonly kind: 'pkcs11'
      readonly module: string
      /** The token label, or undefined when `slot` names the slot. */
      readonly token: string | undefined
      readonly slot: number | undefined
      /** The key's `CKA_LABEL`. */
      readonly object: string
      /** A file whose first line is the user PIN; undefined: `LATCH_PKCS11_PIN`. */
      readonly pinFile: string | undefined
    }
  /** An AWS KMS symmetric key (id, ARN, alias name or alias ARN). */
  | {
      readonly kind: 'aws-kms'
      readonly keyId: string
      readonly region: string | undefined
      /** Another endpoint than AWS's (a VPC endpoint, a local emulator). */
      readonly endpoint: string | undefined
    }

/**
 * Parses a custody as given to `--custody` / `LATCH_CUSTODY`:
 * - `''` or `root-key`: the local root key (`LATCH_ROOT_KEY` or `DATA/root.key`);
 *   `root-key:/path/to/key` reads it from that file (mode 0600);
 * - an RFC 7512 PKCS#11 URI with `object` and `token` (or `slot-id`) path attributes and
 *   `module-path` (and optionally `pin-source=file:…`) query attributes, e.g.
 *   `pkcs11:token=latch;object=latch-root?module-path=/usr/lib/softhsm/libsofthsm2.so`;
 * - `aws-kms:<key id, ARN or alias>` with optional `region` and `endpoint` query attributes, e.g.
 *   `aws-kms:alias/latch-root?region=eu-west-1`.
 *
 * A PIN in the URI (`pin-value`) is refused: it would show in the process list and in logs.
 *
 * @throws ServerError `ERR_CONFIG_INVALID` for anything else.
 */
export function parseCustody(text: string): Custody {
  if (text === '' || text === 'root-key') return { kind: 'root-key' }
  if (text.startsWith('root-key:')) {
    const file = text.slice('root-key:'.length)
    if (file === '') throw invalid('root-key: needs a file path')
    return { kind: 'root-key', file }
  }
  if (text.startsWith('pkcs11:')) return parsePkcs11(text.slice('pkcs11:'.length))
  if (text.startsWith('aws-kms:')) return parseKms(text.slice('aws-kms:'.length))
  throw invalid('the custody must be root-key, root-key:FILE, a pkcs11: URI or aws-kms:KEY')
}

/** The custody as a loggable string: no PIN, no key material (the URIs never hold either). */
export function describeCustody(custody: Custody): string {
  switch (custody.kind) {
    case 'root-key':
      return custody.file === undefined ? 'root-key' : `root-key:${custody.file}`
    case 'pkcs11':
      return `pkcs11:${custody.token === undefined ? `slot-id=${custody.slot}` : `token=${custody.token}`};object=${custody.object}`
    case 'aws-kms':
      return `aws-kms:${custody.keyId}`
  }
}

function parsePkcs11(rest: string): Custody {
  const [path = '', query = ''] = splitOnce(rest, '?')
  const attrs = new Map<string, string>()
  for (const part of path.split(';').filter((p) => p !== '')) {
    const [name = '', value = ''] = splitOnce(part, '=')
    attrs.set(name, decode(value))
  }
  for (const part of query.split('&').filter((p) => p !== '')) {
    const [name = '', value = ''] = splitOnce(part, '=')
    attrs.set(name, decode(value))
  }
  if (attrs.has('pin-value')) {
    throw invalid('a PIN in the pkcs11: URI is refused; give pin-source=file:… or LATCH_PKCS11_PIN')
  }
  const module = attrs.get('module-path')
  const object = attrs.get('object')
  const token = attrs.get('token')
  const slotText = attrs.get('slot-id')
  if (module === undefined || module === '') throw invalid('the pkcs11: URI needs module-path')
  if (object === undefined || object === '') throw invalid('the pkcs11: URI needs object')
  if ((token === undefined) === (slotText === undefined)) {
    throw invalid('the pkcs11: URI needs one of token and slot-id')
  }
  if (slotText !== undefined && !/^\d+$/.test(slotText)) throw invalid('slot-id is a number')
  const pinSource = attrs.get('pin-source')
  if (pinSource !== undefined && !pinSource.startsWith('file:')) {
    throw invalid('pin-source must be file:/path')
  }
  return {
    kind: 'pkcs11',
    module,
    token,
    slot: slotText === undefined ? undefined : Number(slotText),
    object,
    pinFile: pinSource?.slice('file:'.length),
  }
}

function parseKms(rest: string): Custody {
  const [keyId = '', query = ''] = splitOnce(rest, '?')
  if (keyId === '') throw invalid('aws-kms: needs a key id, ARN or alias')
  const params = new URLSearchParams(query)
  for (const name of params.keys()) {
    if (name !== 'region' && name !== 'endpoint') throw invalid(`aws-kms: unknown ${name}`)
  }
  return {
    kind: 'aws-kms',
    keyId,
    region: params.get('region') ?? undefined,
    endpoint: params.get('endpoint') ?? undefined,
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator)
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)]
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    throw invalid('the pkcs11: URI has a malformed percent-encoding')
  }
}

function invalid(message: string): ServerError {
  return new ServerError('ERR_CONFIG_INVALID', `custody: ${message}`)
}
