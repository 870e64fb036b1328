// Builds everything under static/ that comes from npm packages (`make css`, i.e.
// `npm run build`). The outputs are committed, so the app needs no Node at run time.
//
//   static/scss/app.scss  -> static/css/app.css (Sass, then custom-property fallbacks)
//   govuk-frontend        -> static/govuk/assets/ (only files the CSS refers to)
//                            static/vendor/govuk-frontend/ (an ES module of only the
//                            components we use, bundled and minified by esbuild + licence)
//   htmx.org              -> static/vendor/htmx/ (ES module minified with terser + licence)
//   static/vendor/README.md records what was copied, from where, at which version.

import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

import postcss from 'postcss'
import postcssCustomProperties from 'postcss-custom-properties'
import * as sass from 'sass'
import { build as esbuild } from 'esbuild'
import { minify } from 'terser'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const STATIC = join(ROOT, 'static')
const MODULES = join(ROOT, 'node_modules')
const GOVUK = join(MODULES, 'govuk-frontend', 'dist', 'govuk')
const HTMX = join(MODULES, 'htmx.org')
// Where the CSS expects GOV.UK Frontend's assets ($govuk-assets-path in app.scss).
const ASSETS_URL = '/static/govuk/assets/'
// The GOV.UK Frontend components our pages use. static/js/app.mjs starts every
// component the bundle exports, so this list is the only one to change. Not
// CharacterCount: the server renders the counts.
const GOVUK_COMPONENTS = ['Button', 'Checkboxes', 'ErrorSummary', 'FileUpload',
  'NotificationBanner', 'PasswordInput', 'Radios', 'ServiceNavigation', 'SkipLink']

// Read from node_modules, not require(): some packages do not export package.json.
const version = (name) => JSON.parse(readFileSync(join(MODULES, name, 'package.json'), 'utf8')).version
const rel = (path) => relative(ROOT, path)

function sizes (text) {
  const bytes = Buffer.byteLength(text)
  return `${bytes} bytes, ${gzipSync(text, { level: 9 }).length} gzipped`
}

async function write (path, text) {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, text)
  console.log(`wrote ${rel(path)} (${sizes(text)})`)
}

// --- CSS ---------------------------------------------------------------------

const VAR = /var\(\s*(--[\w-]+)\s*(?:,([^()]*(?:\([^()]*\)[^()]*)*))?\)/g

// Replace every var() in a value with the :root value or the var()'s own
// fallback; null when neither exists.
function resolveVars (value, rootValues, depth = 0) {
  if (depth > 10) return null
  let unresolved = false
  const resolved = value.replace(VAR, (_match, name, fallback) => {
    const replacement = rootValues.get(name) ?? fallback?.trim()
    if (replacement === undefined || replacement === '') unresolved = true
    return replacement ?? ''
  })
  if (unresolved) return null
  return resolved.includes('var(') ? resolveVars(resolved, rootValues, depth + 1) : resolved
}

// IE 11 ignores custom properties (and so drops any declaration using var()).
// postcss-custom-properties writes a plain declaration before each one; this
// catches any it could not (a property defined only inside @media, say) and
// fails the build if a declaration would still be left without a fallback.
function ensureFallbacks () {
  return {
    postcssPlugin: 'record-cpd-ensure-fallbacks',
    // OnceExit: after postcss-custom-properties, whose work happens in Declaration
    // visitors (a plain Once would run before them and do all the work itself).
    OnceExit (root, { result }) {
      const rootValues = new Map()
      root.each((node) => {
        if (node.type === 'rule' && /^(:root|html)$/.test(node.selector.trim())) {
          node.each((decl) => {
            if (decl.type === 'decl' && decl.prop.startsWith('--')) rootValues.set(decl.prop, decl.value.trim())
          })
        }
      })
      const missing = []
      root.walkDecls((decl) => {
        if (decl.prop.startsWith('--') || !decl.value.includes('var(')) return
        const before = decl.prev()
        if (before?.type === 'decl' && before.prop === decl.prop && !before.value.includes('var(')) return
        const plain = resolveVars(decl.value, rootValues)
        if (plain === null) {
          missing.push(`${decl.parent.selector ?? decl.parent.name}: ${decl.prop}: ${decl.value}`)
          return
        }
        decl.cloneBefore({ value: plain })
        result.messages.push({ type: 'fallback-added', plugin: 'record-cpd-ensure-fallbacks', text: `${decl.prop}: ${plain}` })
      })
      if (missing.length) {
        throw new Error(`var() without a plain fallback that IE 11 could use:\n  ${missing.join('\n  ')}`)
      }
    }
  }
}
ensureFallbacks.postcss = true

// Our footer is our own: the GOV.UK crest (Royal Arms) is not ours to show, so its
// rules are dropped and the image is never copied.
function dropGovukCrest () {
  return {
    postcssPlugin: 'drop-govuk-crest',
    Rule (rule) {
      if (rule.selector.includes('govuk-footer__copyright-logo')) rule.remove()
    }
  }
}
dropGovukCrest.postcss = true

async function buildCss () {
  const compiled = await sass.compileAsync(join(STATIC, 'scss', 'app.scss'), {
    style: 'compressed',
    importers: [new sass.NodePackageImporter()]
  })
  const result = await postcss([dropGovukCrest(), postcssCustomProperties({ preserve: true }), ensureFallbacks()])
    .process(compiled.css, { from: undefined })
  const css = result.css
  for (const message of result.messages.filter((m) => m.type === 'fallback-added')) {
    console.log(`added fallback: ${message.text}`)
  }
  for (const banned of ['@font-face', 'GDS Transport', 'govuk-crest']) {
    if (css.includes(banned)) throw new Error(`app.css contains ${banned}: we use system fonts only`)
  }
  await write(join(STATIC, 'css', 'app.css'), css)
  return css
}

// Copy only the GOV.UK Frontend assets the CSS asks for (the footer's crest
// today); fonts are never needed and the template's default icons are replaced.
async function copyAssets (css) {
  const target = join(STATIC, 'govuk', 'assets')
  await rm(target, { recursive: true, force: true })
  const urls = new Set()
  for (const [, url] of css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
    if (url.startsWith(ASSETS_URL)) urls.add(url.slice(ASSETS_URL.length))
    else if (!url.startsWith('data:')) throw new Error(`app.css refers to ${url}, outside ${ASSETS_URL}`)
  }
  for (const file of [...urls].sort()) {
    const source = join(GOVUK, 'assets', file)
    if (!existsSync(source)) throw new Error(`app.css refers to ${ASSETS_URL}${file}, not in govuk-frontend`)
    await mkdir(dirname(join(target, file)), { recursive: true })
    await copyFile(source, join(target, file))
    console.log(`copied ${rel(source)} -> ${rel(join(target, file))}`)
  }
  return [...urls].sort()
}

// --- JavaScript ---------------------------------------------------------------

async function copyGovukFrontend () {
  const target = join(STATIC, 'vendor', 'govuk-frontend')
  await rm(target, { recursive: true, force: true })
  await mkdir(target, { recursive: true })
  // The published govuk-frontend.min.js holds every component; bundling from its
  // ES modules keeps only createAll and the components we use.
  const result = await esbuild({
    stdin: {
      contents: `export { createAll, ${GOVUK_COMPONENTS.join(', ')} } from 'govuk-frontend'`,
      resolveDir: ROOT
    },
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    write: false
  })
  const code = result.outputFiles[0].text
  await write(join(target, 'govuk-frontend.min.js'),
    `/*! govuk-frontend ${version('govuk-frontend')} (${GOVUK_COMPONENTS.join(', ')}) | MIT licence: LICENSE.txt */\n${code}`)
  // The npm package ships no licence file; ours is a copy of LICENSE.txt from
  // the govuk-frontend repository (MIT, Crown Copyright).
  const shipped = ['LICENSE.txt', 'LICENSE', 'LICENSE.md'].map((name) => join(MODULES, 'govuk-frontend', name)).find(existsSync)
  await copyFile(shipped ?? join(STATIC, 'build', 'govuk-frontend-LICENSE.txt'), join(target, 'LICENSE.txt'))
  return shipped ? rel(shipped) : null
}

async function minifyHtmx () {
  const target = join(STATIC, 'vendor', 'htmx')
  await rm(target, { recursive: true, force: true })
  const source = await readFile(join(HTMX, 'dist', 'htmx.esm.js'), 'utf8')
  const { code } = await minify(source, {
    module: true,
    ecma: 2020,
    compress: { passes: 2 },
    // htmx.esm.js has one direct eval (behind htmx._, its internals-by-name
    // hook); without `eval: true` terser would leave every local name unmangled.
    // Renaming them is safe for us: allowEval is false, so htmx._ never runs.
    mangle: { eval: true },
    format: { comments: /@license|@preserve|^!/ }
  })
  await write(join(target, 'htmx.esm.min.js'), `/*! htmx ${version('htmx.org')} | Zero-Clause BSD licence: LICENSE */\n${code}\n`)
  await copyFile(join(HTMX, 'LICENSE'), join(target, 'LICENSE'))
}

async function writeReadme (assets, govukLicence) {
  const govuk = version('govuk-frontend')
  const htmx = version('htmx.org')
  const text = `# Vendored front-end files

Generated by \`make css\` (\`npm run build\`, which runs \`static/build/build.mjs\`) from the
exact versions pinned in package.json / package-lock.json. Do not edit these files:
change the pin or the build script and regenerate them.

| File | Package | Version | Source in the npm package |
| --- | --- | --- | --- |
| \`vendor/govuk-frontend/govuk-frontend.min.js\` | govuk-frontend | ${govuk} | \`dist/govuk/all.mjs\` and the modules it imports: \`createAll\`, ${GOVUK_COMPONENTS.join(', ')} only, bundled and minified with esbuild ${version('esbuild')} |
| \`vendor/govuk-frontend/LICENSE.txt\` | govuk-frontend | ${govuk} | ${govukLicence ? `\`${govukLicence}\`` : 'not in the npm package: `LICENSE.txt` of github.com/alphagov/govuk-frontend (MIT), kept in `static/build/govuk-frontend-LICENSE.txt`'} |
${assets.map((file) => `| \`govuk/assets/${file}\` | govuk-frontend | ${govuk} | \`dist/govuk/assets/${file}\` (referenced by app.css) |`).join('\n')}
| \`vendor/htmx/htmx.esm.min.js\` | htmx.org | ${htmx} | \`dist/htmx.esm.js\`, minified with terser ${version('terser')} (\`module: true\`) |
| \`vendor/htmx/LICENSE\` | htmx.org | ${htmx} | \`LICENSE\` (Zero-Clause BSD) |

\`css/app.css\` is our own stylesheet, compiled from \`scss/app.scss\` with sass ${version('sass')} on
govuk-frontend ${govuk} Sass (\`dist/govuk/\`), then given plain fallbacks for every \`var()\` by
postcss ${version('postcss')} with postcss-custom-properties ${version('postcss-custom-properties')}.
Fonts are the system's: no GOV.UK Frontend fonts are copied.
`
  await write(join(STATIC, 'vendor', 'README.md'), text)
}

const css = await buildCss()
const assets = await copyAssets(css)
const govukLicence = await copyGovukFrontend()
await minifyHtmx()
await writeReadme(assets, govukLicence)
