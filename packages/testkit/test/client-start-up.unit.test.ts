import { existsSync, readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

// Every `latch` command and every page using the browser client load the client at start, and
// loading `typebox` with the contract's schemas cost ~300 ms of a command's ~0.7 s and ~85 KB of
// the browser bundle (~57 KB of the console's): a client needs only each route's method and URL
// (`@latch/protocol/light`).
// This walks the static value imports (type-only imports and `await import` load nothing at
// start) from each entry, through the workspace packages' sources as Node or a bundler resolves
// them, and lists the npm packages and `node:` modules reached.

const packagesDir = new URL('../../', import.meta.url)

type Target = string | { readonly [condition: string]: Target }

/** The source file a workspace specifier (`@latch/NAME[/SUB]`) names under `conditions`. */
function workspaceSource(specifier: string, conditions: readonly string[]): URL {
  const [, name, sub] = /^@latch\/([^/]+)(\/.+)?$/.exec(specifier) ?? []
  const dir = new URL(`${name}/`, packagesDir)
  const manifest = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
    readonly exports: Readonly<Record<string, Target>>
  }
  const pick = (target: Target | undefined): string | undefined => {
    if (typeof target !== 'object') return target
    const condition = Object.keys(target).find((key) => conditions.includes(key))
    return condition === undefined ? undefined : pick(target[condition])
  }
  const source = pick(manifest.exports[sub === undefined ? '.' : `.${sub}`])
  if (source === undefined) throw new Error(`${specifier}: no source under ${conditions}`)
  return new URL(source, dir)
}

function allTypeOnly(elements: ts.NodeArray<ts.ImportSpecifier | ts.ExportSpecifier>): boolean {
  return elements.length > 0 && elements.every((element) => element.isTypeOnly)
}

/** The specifiers of the imports and re-exports of `file` that load a module at run time. */
function valueImports(file: URL): string[] {
  const text = readFileSync(file, 'utf8')
  const source = ts.createSourceFile(file.pathname, text, ts.ScriptTarget.Latest, false)
  const specifiers: string[] = []
  for (const statement of source.statements) {
    let typeOnly: boolean
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause
      const named = clause?.namedBindings
      typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            allTypeOnly(named.elements)))
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined) {
      const clause = statement.exportClause
      typeOnly =
        statement.isTypeOnly ||
        (clause !== undefined && ts.isNamedExports(clause) && allTypeOnly(clause.elements))
    } else continue
    if (!typeOnly) specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text)
  }
  return specifiers
}

/** The files an entry loads at start, and the npm packages and `node:` modules among them. */
function loadedBy(entry: URL, conditions: readonly string[]) {
  const files = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: URL) => {
    if (files.has(file.href)) return
    files.add(file.href)
    for (const specifier of valueImports(file)) {
      if (specifier.startsWith('.')) {
        if (!specifier.endsWith('.js')) continue // a style sheet
        const asTs = new URL(specifier.replace(/\.js$/, '.ts'), file)
        visit(existsSync(asTs) ? asTs : new URL(specifier.replace(/\.js$/, '.tsx'), file))
      } else if (specifier.startsWith('@latch/')) visit(workspaceSource(specifier, conditions))
      else
        packages.add(
          specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/'),
        )
    }
  }
  visit(entry)
  return { files, packages: [...packages] }
}

const NODE = ['@latch/source', 'default']
const BROWSER = ['browser', ...NODE]

describe('what the clients load at start', () => {
  it('`latch` (packages/cli/src/bin.ts) loads no schemas (no typebox)', () => {
    const { packages } = loadedBy(new URL('cli/src/bin.ts', packagesDir), NODE)
    expect(packages).toContain('commander')
    expect(packages).not.toContain('typebox')
  })

  it('@latch/client loads no schemas (no typebox)', () => {
    const { packages } = loadedBy(workspaceSource('@latch/client', NODE), NODE)
    expect(packages).toContain('node:http')
    expect(packages).not.toContain('typebox')
  })

  it('@latch/client in a browser loads no schemas and no Node module', () => {
    const { files, packages } = loadedBy(workspaceSource('@latch/client', BROWSER), BROWSER)
    expect(files.size).toBeGreaterThan(10)
    expect(packages).toEqual([])
  })

  it('the web console loads no schemas', () => {
    const { files, packages } = loadedBy(new URL('console/src/main.tsx', packagesDir), BROWSER)
    expect(files.size).toBeGreaterThan(20)
    expect(packages).toContain('react')
    expect(packages).not.toContain('typebox')
  })

  it('the full contract does load typebox (the walk sees it where it is)', () => {
    const { packages } = loadedBy(workspaceSource('@latch/protocol', NODE), NODE)
    expect(packages).toEqual(['typebox'])
  })
})
