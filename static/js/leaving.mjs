// Answers typed since the last autosave are sent when the page is hidden or left.
//
// Autosave runs when a box loses focus, so without this, words typed into a box
// that still has the focus would be lost if the phone went to sleep, the tab was
// closed, or someone pressed Back or reloaded. Two moments, two ways:
// - hidden (another tab, the screen locked): the usual htmx autosave, whose answer
//   the page still receives when it is shown again;
// - left (Back, reload, closing the tab, following a link): a keepalive request,
//   which the browser finishes after the page has gone. The server treats it as
//   this page's own autosave (same editor token), so it never conflicts with it.
// While answers are waiting, the form carries data-unsaved (device-copies.mjs keeps
// a copy of them on the device too, when the page is left).
//
// A new form left that way became a draft the page never heard of. Coming back to
// it (Back, Forward, reload), the page is new, with a new editor token: its next
// autosave would make a second draft. So the token sent is remembered for this tab
// (sessionStorage: a random token, never the answers) and taken up again.

import { csrfToken, fieldsOf } from '/static/js/device-copies.mjs'

const BOXES = 'textarea, input[type=text], input[type=radio], input[type=checkbox]'

const EDITOR_KEY = 'record-cpd:editor-sent-from:'

function remember (key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key)
    else sessionStorage.setItem(key, value)
  } catch (error) {} // storage refused (private mode): a second draft is the worst case
}

function remembered (key) {
  try { return sessionStorage.getItem(key) } catch (error) { return null }
}

// Back on a new form (reload, Back, Forward) that was left with unsaved words, which
// made a draft as the page went: carry on with that draft. If the browser put the
// words back, they are saved to it from here; if not, the server sends the page on
// to the draft (?continue=). A form reached by a link starts afresh.
function takeUpSentEditor (form) {
  const key = EDITOR_KEY + location.pathname
  const sent = remembered(key)
  if (!sent) return
  remember(key, null)
  const editor = form.querySelector('input[name="editor"]')
  const recordId = form.querySelector('input[name="record_id"]')
  const navigation = performance.getEntriesByType ? performance.getEntriesByType('navigation')[0] : null
  const returning = navigation && ['reload', 'back_forward'].includes(navigation.type)
  if (!editor || !recordId || recordId.value || !returning) return
  const restored = Array.from(form.querySelectorAll('textarea, input[type=text]'))
    .some((box) => box.value !== box.defaultValue)
  if (restored) editor.value = sent
  else location.replace(`${location.pathname}?continue=${encodeURIComponent(sent)}`)
}

export function startLeavingSave (form, ensureHtmx) {
  const autosaveUrl = form.getAttribute('data-hx-post')
  if (!autosaveUrl) return
  takeUpSentEditor(form)
  // Words are unsaved from the moment they are typed until an autosave carrying them
  // is answered "saved": one still on its way when the page is left is cut off by
  // the browser (a long answer may not have been sent in full), so leaving sends
  // them again. Typed: not yet in any autosave. Sending: autosaves not yet answered.
  let typed = false
  let sending = 0
  const mark = () => {
    if (typed || sending > 0) form.dataset.unsaved = 'true'
    else delete form.dataset.unsaved
  }
  form.addEventListener('input', (event) => { if (event.target.matches(BOXES)) { typed = true; mark() } })
  // This module is fetched after the page loads: on a slow connection someone can
  // type before it listens. Boxes already changed from what the page came with hold
  // words no autosave has taken yet, until the next autosave carries them.
  const changed = (box) => box.type === 'checkbox' || box.type === 'radio'
    ? box.checked !== box.defaultChecked
    : box.value !== box.defaultValue
  if (Array.from(form.querySelectorAll(BOXES)).some(changed)) { typed = true; mark() }
  form.addEventListener('htmx:configRequest', (event) => {
    if (event.detail.elt !== form) return
    typed = false
    sending += 1
    mark()
  })
  form.addEventListener('htmx:afterRequest', (event) => {
    if (event.detail.elt !== form) return
    sending = Math.max(0, sending - 1)
    // Not saved (refused, or no answer): the words are still waiting.
    if (!event.detail.successful) typed = true
    mark()
  })
  // Sending the form itself (a button, or Enter in a box) carries every answer: an
  // autosave racing it as the page goes would only leave a stray draft of changes.
  form.addEventListener('submit', () => { typed = false; sending = 0; mark() })

  document.addEventListener('visibilitychange', () => {
    // Only words no autosave has taken yet: one on its way is answered when the page
    // is shown again.
    if (document.visibilityState !== 'hidden' || !typed) return
    const focused = document.activeElement
    const box = focused && form.contains(focused) && focused.matches(BOXES) ? focused : form.querySelector(BOXES)
    if (!box) return
    ensureHtmx().then(() => box.dispatchEvent(new Event('change', { bubbles: true })))
      .catch((error) => console.error('Record CPD: could not save before the page was hidden', error))
  })

  window.addEventListener('pagehide', () => {
    if (!form.dataset.unsaved) return
    const editor = form.querySelector('input[name="editor"]')
    const recordId = form.querySelector('input[name="record_id"]')
    if (editor && recordId && !recordId.value) remember(EDITOR_KEY + location.pathname, editor.value)
    try {
      fetch(autosaveUrl, {
        method: 'POST',
        keepalive: true,
        credentials: 'same-origin',
        headers: { 'HX-Request': 'true', 'X-CSRFToken': csrfToken() },
        body: new URLSearchParams(fieldsOf(form))
      }).catch(() => {}) // offline: the copy on the device (if kept) is sent later
    } catch (error) {
      console.error('Record CPD: could not send the answers as the page was left', error)
    }
  })
}
