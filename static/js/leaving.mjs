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

const BOXES = 'textarea, input[type=text], input[type=radio], input[type=checkbox]'

function unsentFields (form) {
  const body = new URLSearchParams()
  for (const [name, value] of new FormData(form)) {
    if (typeof value === 'string') body.append(name, value)
  }
  return body
}

function csrfToken () {
  const meta = document.querySelector('meta[name="csrf-token"]')
  return meta ? meta.content : ''
}

export function startLeavingSave (form, ensureHtmx) {
  const autosaveUrl = form.getAttribute('data-hx-post')
  if (!autosaveUrl) return
  const unsaved = (waiting) => {
    if (waiting) form.dataset.unsaved = 'true'
    else delete form.dataset.unsaved
  }
  form.addEventListener('input', (event) => { if (event.target.matches(BOXES)) unsaved(true) })
  form.addEventListener('htmx:configRequest', (event) => { if (event.detail.elt === form) unsaved(false) })

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'hidden' || !form.dataset.unsaved) return
    const focused = document.activeElement
    const box = focused && form.contains(focused) && focused.matches(BOXES) ? focused : form.querySelector(BOXES)
    if (!box) return
    ensureHtmx().then(() => box.dispatchEvent(new Event('change', { bubbles: true })))
      .catch((error) => console.error('Record CPD: could not save before the page was hidden', error))
  })

  window.addEventListener('pagehide', () => {
    if (!form.dataset.unsaved) return
    try {
      fetch(autosaveUrl, {
        method: 'POST',
        keepalive: true,
        credentials: 'same-origin',
        headers: { 'HX-Request': 'true', 'X-CSRFToken': csrfToken() },
        body: unsentFields(form)
      }).catch(() => {}) // offline: the copy on the device (if kept) is sent later
    } catch (error) {
      console.error('Record CPD: could not send the answers as the page was left', error)
    }
  })
}
