import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient } from '@latch/client'
import type { FastifyInstance } from 'fastify'
import { auditEvent } from '../../src/audit/audit-event.js'
import { SYSTEM_IDENTITY } from '../../src/auth/identity.js'
import { resolveConfig, type ServerConfigInput } from '../../src/config/server-config.js'
import { type AppOptions, buildApp } from '../../src/http/app.js'
import { mintApiToken } from '../../src/identity/api-token.js'
import { createRootKeySealer } from '../../src/keys/key-sealer.js'
import { closeServices, type KeyServerServices, openServices } from '../../src/services.js'
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js'

/** An in-process key server on a temporary SQLite file, driven through `app.inject()`. */
export interface TestApp {
  readonly app: FastifyInstance
  readonly services: KeyServerServices
  readonly dir: string
  readonly dbFile: string
  /** Token of the first admin. */
  readonly adminToken: string
  /** A key-server client for `token` whose fetch goes through `app.inject()`. */
  client(token?: string): KeyServerClient
  /**
   * Creates a user and returns its token, minted by `mintedBy` (default: the user itself, so its
   * records name no minter).
   */
  user(email: string, options?: UserOptions): Promise<string>
  close(): Promise<void>
}

/** Options of {@link TestApp.user}. */
export interface UserOptions {
  admin?: boolean
  mayAssignOwner?: boolean
  mintedBy?: string
}

/** Builds a {@link TestApp}; close it in `afterEach`/`afterAll`. */
export async function buildTestApp(
  config: ServerConfigInput = {},
  appOptions: AppOptions = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'latch-server-'))
  const dbFile = join(dir, 'latch.db')
  const resolved = resolveConfig({ dataDir: dir, ...config })
  const store = openSqliteStore({ file: dbFile, tailBounds: resolved })
  const services = await openServices(resolved, {
    store,
    sealer: createRootKeySealer(randomBytes(32)),
  })
  const app = await buildApp(services, appOptions)
  const user = async (email: string, options: UserOptions = {}) => {
    const minted = mintApiToken()
    await store.createUser(
      {
        email,
        role: options.admin === true ? 'admin' : 'user',
        mayAssignOwner: options.mayAssignOwner === true,
      },
      { id: minted.id, email, hash: minted.hash, mintedBy: options.mintedBy ?? email },
      auditEvent('user.create', SYSTEM_IDENTITY, undefined, { email }),
    )
    return minted.token
  }
  const adminToken = await user('admin@test.local', { admin: true })
  const injectFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
    )
    const response = await app.inject({
      method: (init?.method ?? 'GET') as 'GET',
      url: url.pathname + url.search,
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      ...(typeof init?.body === 'string' ? { payload: init.body } : {}),
    })
    return new Response(response.statusCode === 204 ? null : response.rawPayload, {
      status: response.statusCode,
      headers: response.headers as Record<string, string>,
    })
  }) as typeof fetch
  return {
    app,
    services,
    dir,
    dbFile,
    adminToken,
    client: (token?: string) =>
      new KeyServerClient({ server: 'http://latch.test', token, fetch: injectFetch }),
    user,
    async close() {
      await app.close()
      await closeServices(services)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
