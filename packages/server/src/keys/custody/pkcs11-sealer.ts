import { randomBytes } from 'node:crypto'
import type * as Pkcs11 from 'pkcs11js'
import { ServerError } from '../../errors.js'
import { SEAL_AAD_PREFIX } from '../key-sealer.js'
import type { ClosableKeySealer } from './closable-key-sealer.js'
import type { Custody } from './parse-custody.js'
import { readSecretFile } from './read-secret-file.js'

type Pkcs11Custody = Extract<Custody, { kind: 'pkcs11' }>
type Pkcs11Module = typeof Pkcs11

// One loaded library per module path and process: C_Initialize and C_Finalize are per process,
// so a second server (tests, reseal) in the same process shares the first one's.
const loaded = new Map<string, { lib: Pkcs11.PKCS11; users: number }>()

/**
 * Opens a {@link ClosableKeySealer} on an AES-256 key held in a PKCS#11 token (SoftHSM2, an HSM):
 * `iv(12) ‖ AES-256-GCM(key, iv, aad, private key) ‖ tag(16)` computed inside the token, with the
 * same `aad` as the root-key sealer. The key must be a secret AES key with `CKA_SENSITIVE` and not
 * `CKA_EXTRACTABLE`, so that its value never leaves the token. The PIN comes from the URI's
 * `pin-source` file, else `LATCH_PKCS11_PIN`; it is never logged.
 *
 * @throws ServerError `ERR_CUSTODY_UNAVAILABLE` when the module does not load or the token is not
 *   present; `ERR_CONFIG_INVALID` for no PIN, a wrong PIN, no such key, several keys of that label,
 *   or a key that may leave the token.
 */
export async function openPkcs11Sealer(
  custody: Pkcs11Custody,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ClosableKeySealer> {
  const pin = pinOf(custody, env)
  const p = (await import('pkcs11js')).default as Pkcs11Module
  const lib = acquire(p, custody.module)
  let session: Pkcs11.Handle | undefined
  try {
    const slot = findSlot(p, lib, custody)
    session = lib.C_OpenSession(slot, p.CKF_SERIAL_SESSION)
    login(p, lib, session, pin)
    const key = findKey(p, lib, session, custody.object)
    const open = session
    return {
      custody: 'pkcs11',
      async seal(privateKey, context) {
        const iv = randomBytes(12)
        const out = guard(p, 'seal', context, () => {
          lib.C_EncryptInit(open, gcm(p, iv, context), key)
          return lib.C_Encrypt(open, Buffer.from(privateKey), Buffer.alloc(privateKey.length + 16))
        })
        return Buffer.concat([iv, out])
      },
      async unseal(sealed, context) {
        const bytes = Buffer.from(sealed)
        if (bytes.length < 12 + 16) throw doesNotOpen(context, undefined)
        return guard(p, 'unseal', context, () => {
          lib.C_DecryptInit(open, gcm(p, bytes.subarray(0, 12), context), key)
          return Buffer.from(lib.C_Decrypt(open, bytes.subarray(12), Buffer.alloc(bytes.length)))
        })
      },
      async close() {
        try {
          lib.C_CloseSession(open)
        } finally {
          release(custody.module)
        }
      },
    }
  } catch (error) {
    if (session !== undefined) {
      try {
        lib.C_CloseSession(session)
      } catch {}
    }
    release(custody.module)
    throw error
  }
}

/**
 * Creates the non-extractable AES-256 key of `custody` in its token (`latch keys custody-init`).
 *
 * @returns false when a key of that label exists already (nothing is created).
 * @throws ServerError as {@link openPkcs11Sealer}.
 */
export async function createPkcs11Key(
  custody: Pkcs11Custody,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const pin = pinOf(custody, env)
  const p = (await import('pkcs11js')).default as Pkcs11Module
  const lib = acquire(p, custody.module)
  try {
    const session = lib.C_OpenSession(
      findSlot(p, lib, custody),
      p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION,
    )
    try {
      login(p, lib, session, pin)
      if (keysLabelled(p, lib, session, custody.object).length > 0) return false
      lib.C_GenerateKey(session, { mechanism: p.CKM_AES_KEY_GEN }, [
        { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
        { type: p.CKA_KEY_TYPE, value: p.CKK_AES },
        { type: p.CKA_VALUE_LEN, value: 32 },
        { type: p.CKA_LABEL, value: custody.object },
        { type: p.CKA_TOKEN, value: true },
        { type: p.CKA_PRIVATE, value: true },
        { type: p.CKA_SENSITIVE, value: true },
        { type: p.CKA_EXTRACTABLE, value: false },
        { type: p.CKA_ENCRYPT, value: true },
        { type: p.CKA_DECRYPT, value: true },
      ])
      return true
    } finally {
      lib.C_CloseSession(session)
    }
  } catch (error) {
    throw error instanceof ServerError
      ? error
      : unavailable('the token refused to create the key', error)
  } finally {
    release(custody.module)
  }
}

function acquire(p: Pkcs11Module, module: string): Pkcs11.PKCS11 {
  const entry = loaded.get(module)
  if (entry !== undefined) {
    entry.users++
    return entry.lib
  }
  const lib = new p.PKCS11()
  try {
    lib.load(module)
    lib.C_Initialize()
  } catch (cause) {
    throw unavailable(`cannot load the PKCS#11 module ${module}`, cause)
  }
  loaded.set(module, { lib, users: 1 })
  return lib
}

function release(module: string): void {
  const entry = loaded.get(module)
  if (entry === undefined || --entry.users > 0) return
  loaded.delete(module)
  try {
    entry.lib.C_Finalize()
    entry.lib.close()
  } catch {}
}

function findSlot(p: Pkcs11Module, lib: Pkcs11.PKCS11, custody: Pkcs11Custody): Pkcs11.Handle {
  let slots: Pkcs11.Handle[]
  try {
    slots = lib.C_GetSlotList(true)
  } catch (cause) {
    throw unavailable('the PKCS#11 module lists no slots', cause)
  }
  const slot =
    custody.token === undefined
      ? slots.find((s) => s.readUIntLE(0, Math.min(s.length, 6)) === custody.slot)
      : slots.find((s) => lib.C_GetTokenInfo(s).label.trim() === custody.token)
  if (slot === undefined) {
    throw unavailable(
      `no PKCS#11 token ${custody.token === undefined ? `in slot ${custody.slot}` : `labelled ${custody.token}`} is present`,
      undefined,
    )
  }
  void p
  return slot
}

function login(p: Pkcs11Module, lib: Pkcs11.PKCS11, session: Pkcs11.Handle, pin: string): void {
  try {
    lib.C_Login(session, p.CKU_USER, pin)
  } catch (cause) {
    const code = (cause as { code?: number }).code
    if (code === p.CKR_USER_ALREADY_LOGGED_IN) return
    if (
      code === p.CKR_PIN_INCORRECT ||
      code === p.CKR_PIN_LEN_RANGE ||
      code === p.CKR_PIN_INVALID
    ) {
      throw new ServerError('ERR_CONFIG_INVALID', 'custody: the PKCS#11 token refused the PIN')
    }
    if (code === p.CKR_PIN_LOCKED) {
      throw new ServerError('ERR_CONFIG_INVALID', 'custody: the PKCS#11 PIN is locked')
    }
    throw unavailable('the PKCS#11 token refused the login', cause)
  }
}

function keysLabelled(
  p: Pkcs11Module,
  lib: Pkcs11.PKCS11,
  session: Pkcs11.Handle,
  label: string,
): Pkcs11.Handle[] {
  lib.C_FindObjectsInit(session, [
    { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
    { type: p.CKA_LABEL, value: label },
  ])
  try {
    return lib.C_FindObjects(session, 2)
  } finally {
    lib.C_FindObjectsFinal(session)
  }
}

function findKey(
  p: Pkcs11Module,
  lib: Pkcs11.PKCS11,
  session: Pkcs11.Handle,
  label: string,
): Pkcs11.Handle {
  const keys = keysLabelled(p, lib, session, label)
  if (keys.length !== 1) {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      keys.length === 0
        ? `custody: the PKCS#11 token holds no secret key labelled ${label} (latch keys custody-init creates one)`
        : `custody: the PKCS#11 token holds several secret keys labelled ${label}`,
    )
  }
  const key = keys[0] as Pkcs11.Handle
  const [type, sensitive, extractable] = lib.C_GetAttributeValue(session, key, [
    { type: p.CKA_KEY_TYPE },
    { type: p.CKA_SENSITIVE },
    { type: p.CKA_EXTRACTABLE },
  ])
  if (
    readUint(type?.value) !== p.CKK_AES ||
    !readBool(sensitive?.value) ||
    readBool(extractable?.value)
  ) {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      `custody: the PKCS#11 key ${label} must be an AES key that is sensitive and not extractable`,
    )
  }
  return key
}

function gcm(p: Pkcs11Module, iv: Buffer, context: string): Pkcs11.Mechanism {
  const parameter: Pkcs11.GcmParams = {
    type: p.CK_PARAMS_AES_GCM,
    iv,
    ivBits: 96,
    aad: Buffer.from(SEAL_AAD_PREFIX + context, 'utf8'),
    tagBits: 128,
  }
  return { mechanism: p.CKM_AES_GCM, parameter }
}

// A token that answers but cannot open the key (another key, a changed row) is a configuration
// error; a token that does not answer is an outage.
function guard<T>(p: Pkcs11Module, op: 'seal' | 'unseal', context: string, fn: () => T): T {
  try {
    return fn()
  } catch (cause) {
    const code = (cause as { code?: number }).code
    const unreachable = [
      p.CKR_DEVICE_ERROR,
      p.CKR_DEVICE_REMOVED,
      p.CKR_DEVICE_MEMORY,
      p.CKR_TOKEN_NOT_PRESENT,
      p.CKR_SESSION_CLOSED,
      p.CKR_SESSION_HANDLE_INVALID,
      p.CKR_USER_NOT_LOGGED_IN,
      p.CKR_CRYPTOKI_NOT_INITIALIZED,
    ]
    if (op === 'unseal' && (code === undefined || !unreachable.includes(code))) {
      throw doesNotOpen(context, cause)
    }
    throw unavailable(`the PKCS#11 token failed to ${op} server key ${context}`, cause)
  }
}

function readUint(value: Buffer | undefined): number | undefined {
  return value === undefined || value.length === 0
    ? undefined
    : value.readUIntLE(0, Math.min(value.length, 6))
}

function readBool(value: Buffer | undefined): boolean {
  return value !== undefined && value.length > 0 && value[0] !== 0
}

function doesNotOpen(context: string, cause: unknown): ServerError {
  return new ServerError(
    'ERR_CONFIG_INVALID',
    `server key ${context} does not open under the PKCS#11 key (another token or key label?)`,
    { cause },
  )
}

function unavailable(message: string, cause: unknown): ServerError {
  return new ServerError('ERR_CUSTODY_UNAVAILABLE', `custody: ${message}`, { cause })
}

/** The token's PIN: the URI's `pin-source` file, else `LATCH_PKCS11_PIN`. */
function pinOf(custody: Pkcs11Custody, env: NodeJS.ProcessEnv): string {
  const pin =
    custody.pinFile === undefined
      ? env.LATCH_PKCS11_PIN
      : readSecretFile(custody.pinFile, 'PKCS#11 PIN')
  if (pin === undefined || pin === '') {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      'custody: no PKCS#11 PIN (pin-source=file:… or LATCH_PKCS11_PIN)',
    )
  }
  return pin
}
