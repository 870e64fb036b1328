// Record CPD's only script entry. Loaded with <script type="module">, so browsers
// too old for ES modules never run it and get the plain HTML pages, which work
// fully without JavaScript. Everything here is an enhancement: any failure is
// logged and the page carries on as plain HTML. (The layout's inline script
// already adds the js-enabled and govuk-frontend-supported classes.)

// GOV.UK Frontend components: our bundle of it holds createAll and only the
// components we use (static/build/build.mjs lists them), so each is started.
// initAll is not used: it would look for every component, and character counts
// are our own (character-count.mjs, counting as the server does), so GOV.UK's
// CharacterCount must not also count.
async function startGovukFrontend () {
  if (!document.body.classList.contains('govuk-frontend-supported')) return
  addShowPasswordButtons()
  const { createAll, ...components } = await import('/static/vendor/govuk-frontend/govuk-frontend.min.js')
  for (const component of Object.values(components)) createAll(component)
}

// The password boxes' "Show" button is made here, not sent in the page: without
// scripts it would be a button that does nothing (lynx and Dillo ignore `hidden`).
// The same markup as GOV.UK Frontend's password input; PasswordInput then runs it.
function addShowPasswordButtons () {
  for (const group of document.querySelectorAll('[data-module="govuk-password-input"]')) {
    const input = group.querySelector('.govuk-js-password-input-input')
    if (!input || group.querySelector('.govuk-js-password-input-toggle')) continue
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'govuk-button govuk-button--secondary govuk-password-input__toggle govuk-js-password-input-toggle'
    button.dataset.module = 'govuk-button'
    button.setAttribute('aria-controls', input.id)
    button.setAttribute('aria-label', 'Show password')
    button.hidden = true
    button.textContent = 'Show'
    const wrapper = document.createElement('div')
    wrapper.className = 'govuk-input__wrapper govuk-password-input__wrapper'
    input.replaceWith(wrapper)
    wrapper.append(input, button)
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
  selfRequestsOnly: true,
  // Every hx- attribute sits on the element that uses it (and htmx 4 drops
  // implicit inheritance), so nothing is inherited from a parent by accident.
  disableInheritance: true,
  // Swap the status fragments the server sends with 401 (signed out), 409
  // (changed elsewhere), 413 (too large to send: says what was not saved) and 507
  // (the account is full); other errors leave the page alone (see responseError).
  // 507 stays an error: nothing was stored, so the words are still unsaved
  // (leaving.mjs) and the copy on the device is kept (device-copies.mjs).
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '401', swap: true, error: false },
    { code: '409', swap: true, error: false },
    { code: '413', swap: true, error: false },
    { code: '507', swap: true, error: true },
    // The database was busy (app/cpd/busy.py): nothing stored, words still unsaved.
    { code: '503', swap: true, error: true },
    { code: '...', swap: false, error: true }
  ]
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

// htmx is started when someone first reaches for the page (a focus, a press, a
// key), not as it loads: its start-up is the page's one long task on a slow
// phone, and until someone types there is nothing for it to do. A change or an
// input event that comes before htmx is ready (a very quick first answer) is
// raised again once it is, so no autosave or count is missed.
const INTENT_EVENTS = ['focusin', 'pointerdown', 'keydown']
const EARLY_EVENTS = ['input', 'change']
let htmxStarting = null

function ensureHtmx () {
  if (htmxStarting) return htmxStarting
  const early = new Map() // element -> the event types it raised, each raised again once
  const remember = (event) => {
    if (!early.has(event.target)) early.set(event.target, new Set())
    early.get(event.target).add(event.type)
  }
  for (const type of EARLY_EVENTS) document.addEventListener(type, remember, true)
  htmxStarting = startHtmx().finally(() => {
    for (const type of EARLY_EVENTS) document.removeEventListener(type, remember, true)
    for (const [target, types] of early) {
      for (const type of types) target.dispatchEvent(new Event(type, { bubbles: true }))
    }
  })
  return htmxStarting
}

function startHtmxOnIntent () {
  if (!document.querySelector('[data-hx-post]')) return // nothing here for htmx to do
  const start = () => {
    for (const type of INTENT_EVENTS) document.removeEventListener(type, start, true)
    ensureHtmx().catch((error) => console.error('Record CPD: htmx did not start', error))
  }
  for (const type of INTENT_EVENTS) document.addEventListener(type, start, { capture: true, passive: true })
  // Already in a field (an error summary takes the focus as the page loads).
  if (document.activeElement && document.activeElement !== document.body) start()
}

// The timeout warning, on pages for signed-in people.
async function startTimeoutWarning () {
  const holder = document.getElementById('session-timeout')
  if (!holder) return
  const { startSessionTimeout } = await import('/static/js/session-timeout.mjs')
  startSessionTimeout(holder)
}

// Offline support, for signed-in people: the service worker and the copies of
// unsent answers kept on this device. On a shared or public computer, nothing is
// kept: any worker or cache left from before is removed.
async function startOffline () {
  const meta = document.querySelector('meta[name="device-copies"]')
  if (!meta || !('serviceWorker' in navigator) || !('indexedDB' in window)) return
  if (meta.content === 'on') {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' })
  } else {
    for (const registration of await navigator.serviceWorker.getRegistrations()) {
      await registration.unregister()
    }
    for (const name of await caches.keys()) await caches.delete(name)
  }
  const { startDeviceCopies } = await import('/static/js/device-copies.mjs')
  startDeviceCopies(meta, ensureHtmx)
}

// Answers typed since the last autosave are sent when the page is hidden or left.
async function startSavingOnLeave () {
  const form = document.getElementById('cpd-form')
  if (!form) return
  const { startLeavingSave } = await import('/static/js/leaving.mjs')
  startLeavingSave(form, ensureHtmx)
}

// Character counts under limited boxes, kept on the device as people type.
async function startCounts () {
  if (!document.querySelector('[data-count-limit]')) return
  const { startCharacterCounts } = await import('/static/js/character-count.mjs')
  startCharacterCounts()
}

// Upload progress for supporting documents, on the CPD forms.
async function startUploadProgress () {
  if (!document.getElementById('documents-section')) return
  const { startUploads } = await import('/static/js/uploads.mjs')
  startUploads()
}

startHtmxOnIntent()
for (const [name, started] of [['GOV.UK Frontend', startGovukFrontend()],
  ['the timeout warning', startTimeoutWarning()], ['offline support', startOffline()],
  ['saving on leaving', startSavingOnLeave()], ['upload progress', startUploadProgress()],
  ['character counts', startCounts()]]) {
  started.catch((error) => console.error(`Record CPD: ${name} did not start`, error))
}

// Autosave sends the CSRF token in a header; every answer brings
// back the current token, which refreshes the meta tag and the forms' hidden
// fields, so a page left open keeps saving and its buttons keep working.
function csrfMeta () {
  return document.querySelector('meta[name="csrf-token"]')
}
document.addEventListener('htmx:configRequest', (event) => {
  const meta = csrfMeta()
  if (meta) event.detail.headers['X-CSRFToken'] = meta.content
})
document.addEventListener('htmx:afterRequest', (event) => {
  const fresh = event.detail.xhr && event.detail.xhr.getResponseHeader('X-CSRF-Token')
  if (!fresh) return
  const meta = csrfMeta()
  if (meta) meta.content = fresh
  for (const input of document.querySelectorAll('input[name="csrf_token"]')) input.value = fresh
})
// Once an autosave is on its way, the status line no longer says "Draft saved at …":
// that was about the words sent before, and someone who reads it and leaves (or
// reloads) would think the words just typed were kept too. Shown, not announced
// (aria-hidden): the answer that follows (saved, or why not) is what is said.
// Every answer replaces it: the fragment swapped in, or the messages below.
// An empty line (nothing said yet) stays empty: it says nothing untrue, and the line
// appearing at the foot of the window as someone presses a button there (the box
// they leave autosaves on mousedown) would take the click from the button.
document.addEventListener('htmx:configRequest', (event) => {
  const status = document.getElementById('autosave-status')
  if (!status || !event.detail.elt || event.detail.elt.id !== 'cpd-form') return
  if (!status.textContent.trim()) return
  const saving = document.createElement('p')
  saving.className = 'govuk-body govuk-!-margin-bottom-0'
  saving.setAttribute('aria-hidden', 'true')
  saving.textContent = 'Saving your latest changes…'
  status.replaceChildren(saving)
})
// htmx puts what it gets into its target: a box's live region or the status line.
// A whole page never goes there (a proxy's or a server's error page would put a skip
// link, a header and a footer inside the form, read out entire by screen readers):
// it is treated as the error it is, and the target keeps what it said.
const WHOLE_PAGE = /<(?:!doctype|html|body|header|footer|main)[\s>]/i
document.addEventListener('htmx:beforeSwap', (event) => {
  if (!WHOLE_PAGE.test(event.detail.serverResponse || '')) return
  event.detail.shouldSwap = false
  event.detail.isError = true
})

// Nothing reached the server (offline, server down): say so in the status line
// rather than staying silent. The text stays in the form.
function autosaveFailed (event) {
  const status = document.getElementById('autosave-status')
  if (window.recordCpdDeviceCopies) return // device-copies.mjs reports instead
  if (event.detail.xhr && event.detail.xhr.status === 507) return // the server's reason is shown
  if (status && event.detail.elt && event.detail.elt.id === 'cpd-form') {
    // A paragraph, as the server's messages are, so the status line stays in view.
    const line = document.createElement('p')
    line.className = 'govuk-body govuk-!-margin-bottom-0 app-status--problem'
    line.textContent = 'Your latest changes could not be saved just now. Your text is still here: use “Save as draft” to try again.'
    status.replaceChildren(line)
  }
}
document.addEventListener('htmx:sendError', autosaveFailed)
document.addEventListener('htmx:responseError', autosaveFailed)

// The autosave status stays in view at the foot of the window (app.scss). When a
// message appears there, or the focus moves to a field behind it, the field is
// scrolled clear of it: the page's scroll-padding makes room for a short message, not
// for a long one, and the status must never hide the focused field (WCAG 2.4.11).
function keepFocusClearOfStatus () {
  const status = document.getElementById('autosave-status')
  const field = document.activeElement
  if (!status || !field || field === document.body || status.contains(field)) return
  if (getComputedStyle(status).position !== 'sticky') return
  const bar = status.getBoundingClientRect()
  const box = field.getBoundingClientRect()
  if (box.bottom <= bar.top || box.top >= bar.bottom) return
  // Its bottom clear of the bar, or, for a box taller than the room left, its top
  // at the top of the window.
  window.scrollBy(0, Math.min(box.bottom - bar.top, box.top))
}
document.addEventListener('htmx:afterSwap', (event) => {
  if (event.detail.target && event.detail.target.id === 'autosave-status') keepFocusClearOfStatus()
})
document.addEventListener('focusin', () => window.requestAnimationFrame(keepFocusClearOfStatus))

// A press on a button below the status line ("Save and record CPD") leaves the box
// being typed in, so its autosave goes as the button goes down, and its answer often
// comes back before the button is let go. The line keeps one line's room (app.scss),
// but some answers are longer (a draft of changes to recorded CPD, a problem): had it
// grown, the button would move from under the pointer and the press be lost. So while
// something after the line is pressed, the line keeps the height it had; it takes its
// new height once the press (and its click) is over. What it says still changes, and
// is announced, at once.
function holdStatusLineWhilePressed () {
  const status = document.getElementById('autosave-status')
  if (!status || !('PointerEvent' in window)) return
  let letGo = 0
  const release = () => status.removeAttribute('style') // it has no other
  document.addEventListener('pointerdown', (event) => {
    if (!event.isPrimary || !(event.target instanceof Node)) return
    if (!(status.compareDocumentPosition(event.target) & Node.DOCUMENT_POSITION_FOLLOWING)) return
    window.clearTimeout(letGo)
    // Measured before box-sizing changes (which would count the padding into the
    // one-line min-height and shrink it).
    const height = status.getBoundingClientRect().height
    status.style.boxSizing = 'border-box'
    status.style.height = `${height}px`
    status.style.overflow = 'hidden'
  }, { capture: true, passive: true })
  // The click comes after pointerup in the same task: let go after it.
  for (const type of ['pointerup', 'pointercancel']) {
    document.addEventListener(type, () => { letGo = window.setTimeout(release, 0) }, { capture: true, passive: true })
  }
}
holdStatusLineWhilePressed()
