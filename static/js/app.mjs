// Record CPD's only script entry. Loaded with <script type="module">, so browsers
// too old for ES modules never run it and get the plain HTML pages, which work
// fully without JavaScript. Everything here is an enhancement: any failure is
// logged and the page carries on as plain HTML. (The layout's inline script
// already adds the js-enabled and govuk-frontend-supported classes.)

// GOV.UK Frontend components. createAll for each one we use rather than initAll,
// which has no way to leave a component out: character counts are rendered by
// the server, so CharacterCount must not also count in the browser.
async function startGovukFrontend () {
  if (!document.body.classList.contains('govuk-frontend-supported')) return
  const govuk = await import('/static/vendor/govuk-frontend/govuk-frontend.min.js')
  for (const name of ['Button', 'Checkboxes', 'ErrorSummary', 'FileUpload', 'NotificationBanner',
    'PasswordInput', 'Radios', 'ServiceNavigation', 'SkipLink']) {
    govuk.createAll(govuk[name])
  }
}

// Settings that let htmx run under our Content-Security-Policy (no inline
// styles, no eval) and talk only to this site; no page copies in localStorage
// (they could hold someone's CPD): going back re-fetches the page instead.
const HTMX_CONFIG = {
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
  selfRequestsOnly: true
}

async function startHtmx () {
  // htmx 2 starts itself on DOMContentLoaded, or at once when the page has
  // fully loaded; imported in between (likely, as import() is not awaited by
  // DOMContentLoaded) it would never start. So wait for the load event.
  if (document.readyState !== 'complete') {
    await new Promise((resolve) => window.addEventListener('load', resolve, { once: true }))
  }
  // htmx reads this meta element as it starts, before we could set htmx.config:
  // without it, it would first add an inline <style> that the CSP refuses.
  const meta = document.createElement('meta')
  meta.name = 'htmx-config'
  meta.content = JSON.stringify(HTMX_CONFIG)
  document.head.append(meta)
  const { default: htmx } = await import('/static/vendor/htmx/htmx.esm.min.js')
  Object.assign(htmx.config, HTMX_CONFIG)
  window.htmx = htmx
}

for (const [name, start] of [['GOV.UK Frontend', startGovukFrontend], ['htmx', startHtmx]]) {
  start().catch((error) => console.error(`Record CPD: ${name} did not start`, error))
}
