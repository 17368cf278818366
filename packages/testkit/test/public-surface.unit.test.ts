import { readdirSync, readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

// What each package exports is a reviewed list. Every entry point of every package's
// `exports` map is imported, and its export names, each with its kind, are compared with the
// package's committed `public-surface.json`: adding, removing or retyping an export fails here
// until the file is updated (`npx vitest run packages/testkit/test/public-surface.unit.test.ts --update`)
// and the diff reviewed with the change.
//
// Values come from the imported module itself. Types come from the entry's source, which tsc
// turns into the entry's `.d.ts` statement for statement: an entry holds named exports only
// (`export *` would hide what it adds, and is refused below), so its export statements are the
// whole list, with no build needed. Every export must also carry TSDoc, wherever it is
// declared.

type Kind = 'class' | 'function' | 'value' | 'type'

interface Manifest {
  readonly name: string
  readonly exports?: Readonly<Record<string, { readonly '@latch/source'?: string }>>
}

const packagesDir = new URL('../../', import.meta.url)

const packages = readdirSync(packagesDir)
  .sort()
  .map((dir) => ({
    dir,
    manifest: JSON.parse(
      readFileSync(new URL(`${dir}/package.json`, packagesDir), 'utf8'),
    ) as Manifest,
  }))
  .filter(({ manifest }) => manifest.exports !== undefined)

/** The names an entry's source exports, each as a value or a type only. */
function declaredExports(file: URL): Map<string, 'value' | 'type'> {
  const source = ts.createSourceFile(
    file.pathname,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  )
  const names = new Map<string, 'value' | 'type'>()
  const exported = (node: ts.Node) =>
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      const clause = statement.exportClause
      if (clause === undefined) {
        throw new Error(`${file.pathname}: \`export *\` hides what an entry exports; name each`)
      }
      if (ts.isNamespaceExport(clause)) {
        names.set(clause.name.text, statement.isTypeOnly ? 'type' : 'value')
        continue
      }
      for (const element of clause.elements) {
        const typeOnly = statement.isTypeOnly || element.isTypeOnly
        names.set(element.name.text, typeOnly ? 'type' : 'value')
      }
    } else if (ts.isExportAssignment(statement)) {
      names.set('default', 'value')
    } else if (exported(statement)) {
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          names.set(declaration.name.getText(source), 'value')
        }
      } else if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
        names.set(statement.name.text, 'type')
      } else if (
        (ts.isFunctionDeclaration(statement) ||
          ts.isClassDeclaration(statement) ||
          ts.isEnumDeclaration(statement) ||
          ts.isModuleDeclaration(statement)) &&
        statement.name !== undefined
      ) {
        names.set(statement.name.text, 'value')
      } else {
        throw new Error(
          `${file.pathname}: an export this test does not read: ${statement.getText()}`,
        )
      }
    }
  }
  return names
}

let program: ts.Program | undefined

/** One program over every entry, resolved as the tests resolve packages: to their sources. */
function entryProgram(): ts.Program {
  if (program !== undefined) return program
  const base = ts.readConfigFile(
    new URL('../tsconfig.base.json', packagesDir).pathname,
    ts.sys.readFile,
  )
  const { options } = ts.parseJsonConfigFileContent(base.config, ts.sys, packagesDir.pathname)
  const files = packages.flatMap(({ dir, manifest }) =>
    Object.values(manifest.exports ?? {}).map(
      (target) => new URL(`${dir}/${target['@latch/source']}`, packagesDir).pathname,
    ),
  )
  program = ts.createProgram(files, {
    ...options,
    composite: false,
    noEmit: true,
    customConditions: ['@latch/source'],
  })
  return program
}

/** The exports of the entry `file` whose declaration carries no TSDoc comment. */
function undocumentedExports(file: URL): string[] {
  const checker = entryProgram().getTypeChecker()
  const source = entryProgram().getSourceFile(file.pathname)
  const module = source === undefined ? undefined : checker.getSymbolAtLocation(source)
  if (module === undefined) return [`${file.pathname} is not in the program`]
  return checker
    .getExportsOfModule(module)
    .filter((exported) => {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
      return !(symbol.declarations ?? []).some((declaration) => {
        const holder = ts.isVariableDeclaration(declaration)
          ? declaration.parent.parent
          : declaration
        return ts.getJSDocCommentsAndTags(holder).length > 0
      })
    })
    .map((exported) => exported.name)
}

function kindOf(value: unknown): Kind {
  if (typeof value !== 'function') return 'value'
  return /^class\b/.test(Function.prototype.toString.call(value)) ? 'class' : 'function'
}

function byName(a: string, b: string): number {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  if (x !== y) return x < y ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

describe('public surfaces', () => {
  it('covers every package with an exports map', () => {
    expect(packages.map(({ dir }) => dir)).toEqual(
      expect.arrayContaining(['audit', 'cli', 'client', 'format', 'protocol', 's3', 'server']),
    )
  })

  for (const { dir, manifest } of packages) {
    it(`${manifest.name} exports exactly what packages/${dir}/public-surface.json lists`, async () => {
      const surface: Record<string, Record<string, Kind>> = {}
      for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
        const sourcePath = target['@latch/source']
        expect(sourcePath, `${manifest.name} ${subpath}: no @latch/source condition`).toBeDefined()
        const declared = declaredExports(new URL(`${dir}/${sourcePath}`, packagesDir))
        const specifier = subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`
        const module = (await import(specifier)) as Record<string, unknown>
        const values = Object.keys(module).sort(byName)
        const declaredValues = [...declared].filter(([, k]) => k === 'value').map(([n]) => n)
        expect(values, `${specifier}: runtime exports vs the entry's source`).toEqual(
          declaredValues.sort(byName),
        )
        const entry: Record<string, Kind> = {}
        for (const name of [...declared.keys()].sort(byName)) {
          entry[name] = declared.get(name) === 'type' ? 'type' : kindOf(module[name])
        }
        surface[subpath] = entry
      }
      await expect(`${JSON.stringify(surface, null, 2)}\n`).toMatchFileSnapshot(
        `../../${dir}/public-surface.json`,
      )
    })

    it(`${manifest.name}: every export carries TSDoc`, () => {
      for (const target of Object.values(manifest.exports ?? {})) {
        const file = new URL(`${dir}/${target['@latch/source']}`, packagesDir)
        expect(undocumentedExports(file), file.pathname).toEqual([])
      }
    })
  }
})
