import {
  createRootRoute,
  createRoute,
  createRouter,
  type SearchSchemaInput,
} from '@tanstack/react-router'
import { Shell } from './components/shell.js'
import { AuditPage, type AuditSearch } from './pages/audit-page.js'
import { FilePage } from './pages/file-page.js'
import { FilesPage, type FilesSearch } from './pages/files-page.js'
import { IncidentPage } from './pages/incident-page.js'
import { NotFoundPage } from './pages/not-found-page.js'
import { OverviewPage } from './pages/overview-page.js'
import { PeoplePage } from './pages/people-page.js'

// Search parameters hold filters only, never a token or a secret: they end up in the history.
const strings = <K extends string>(search: Record<string, unknown>, keys: readonly K[]) =>
  Object.fromEntries(
    keys.flatMap((key) => {
      const value = search[key]
      return typeof value === 'string' && value !== '' ? [[key, value]] : []
    }),
  ) as Partial<Record<K, string>>

const rootRoute = createRootRoute({ component: Shell, notFoundComponent: NotFoundPage })

const overviewRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  component: OverviewPage,
})

const filesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/files',
  validateSearch: (search: Record<string, unknown> & SearchSchemaInput): FilesSearch =>
    strings(search, ['owner', 'reader', 'bucket', 'prefix', 'label', 'state', 'q', 'cursor']),
  component: FilesPage,
})

const fileRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/files/$policyId',
  component: FilePage,
})

const incidentRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/incident',
  component: IncidentPage,
})

const peopleRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/people',
  component: PeoplePage,
})

const auditRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/audit',
  validateSearch: (search: Record<string, unknown> & SearchSchemaInput): AuditSearch =>
    strings(search, ['policy', 'actor', 'type', 'since', 'until', 'before']),
  component: AuditPage,
})

// After an OIDC sign-in the callback page navigates to the overview.
const callbackRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/callback',
  component: OverviewPage,
})

/** The console's pages under `/console`. */
export const router = createRouter({
  routeTree: rootRoute.addChildren([
    overviewRoute,
    filesRoute,
    fileRoute,
    incidentRoute,
    peopleRoute,
    auditRoute,
    callbackRoute,
  ]),
  basepath: '/console',
  defaultPreload: false,
})

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router
  }
}
