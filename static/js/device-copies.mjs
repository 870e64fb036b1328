// Copies of unsent CPD answers kept on this device (IndexedDB), so nothing typed is
// lost when the connection drops, the server is down or the session has ended.
//
// A copy is written just before each autosave is sent and deleted as soon as the
// server confirms it, so the device only ever holds what the server does not have
// yet. Copies are kept per person and per page. When the connection or the session
// comes back (page load, the online event, every 15 seconds while copies wait),
// they are sent oldest first with a fresh CSRF token; the server checks versions,
// so a copy never overwrites a newer save: a conflict is shown, not forced.
// An account at its storage quota, or a form too large to send, is online but
// refused (507, 413): see REFUSED_UNTIL_CHANGED.
// On a shared or public computer (chosen at sign-in) nothing is kept.

const DB_NAME = 'record-cpd'
const STORE = 'copies'
const RETRY_MS = 15000
// The account is at its storage quota (507), or the form is larger than the server
// reads in one post (413): the server says so (its message is swapped into the
// status line by htmx) and the copy stays here. Resending the same form every 15 s
// would only spend the server and a weak signal for nothing (room is only made
// elsewhere; a form too large stays too large until it is shortened): the timer
// stops, and the next edit on this page, or the next page loaded, tries again.
const REFUSED_UNTIL_CHANGED = [507, 413]
const OFFLINE_NOW = 'This device is offline or cannot reach the service.'
const SAVED_HERE = {
  offline: 'Saved on this device only — it will be sent when you are back online.',
  off: 'Not saved: the connection failed, and offline saving is off on a shared or public computer. Keep this page open and use “Save as draft” when you are back online.',
  // Online, but refused (a fault, another session's token): not "offline".
  notNow: 'Your latest changes could not be saved just now. They are kept on this device and sent again in a moment.',
  notKept: 'Your latest changes could not be saved just now. Use “Save as draft” to try again.'
}

function openDb () {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DB_NAME, 1)
    opening.onupgradeneeded = () => {
      opening.result.createObjectStore(STORE, { keyPath: 'key' })
    }
    opening.onsuccess = () => resolve(opening.result)
    opening.onerror = () => reject(opening.error)
  })
}

async function withStore (mode, work) {
  const db = await openDb()
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode)
    const request = work(transaction.objectStore(STORE))
    transaction.oncomplete = () => { db.close(); resolve(request && request.result) }
    transaction.onerror = () => { db.close(); reject(transaction.error) }
  })
}

// A copy the server has confirmed is noted at once, before the page can be left:
// deleting it from IndexedDB takes a moment, and a page left in that moment kept it,
// so the next page at that address (a new form) took it for unsent answers and was
// filled with them. localStorage is written at once; only the copy's key and time go
// there, never answers, and the note goes once the copy is gone.
const CONFIRMED = 'record-cpd:confirmed:'
export function noteConfirmed (copy) {
  try { localStorage.setItem(CONFIRMED + copy.key, String(copy.savedAt)) } catch (error) {}
}
function isConfirmed (copy) {
  try {
    return Number(localStorage.getItem(CONFIRMED + copy.key) || 0) >= copy.savedAt
  } catch (error) { return false }
}
// A later copy (and note) of the same page may be put first: keep it.
const deleteUpTo = (copy) => withStore('readwrite', (store) => {
  const stored = store.get(copy.key)
  stored.onsuccess = () => {
    if (stored.result && stored.result.savedAt <= copy.savedAt) store.delete(copy.key)
  }
})
export function forgetConfirmed (copy) {
  return deleteUpTo(copy).then(() => {
    try {
      const note = CONFIRMED + copy.key
      if (localStorage.getItem(note) === String(copy.savedAt)) localStorage.removeItem(note)
    } catch (error) {}
  }).catch(() => {})
}

export const putCopy = (copy) => withStore('readwrite', (store) => store.put(copy))
export const getCopy = (key) => withStore('readonly', (store) => store.get(key))
const allCopies = () => withStore('readonly', (store) => store.getAll())

// A form's text answers as [name, value] pairs: no files, no CSRF token (that goes in
// a header, fresh when sent).
export function fieldsOf (form) {
  const fields = []
  for (const [name, value] of new FormData(form)) {
    if (name !== 'csrf_token' && typeof value === 'string') fields.push([name, value])
  }
  return fields
}

function fill (form, fields) {
  const values = new Map()
  for (const [name, value] of fields) {
    if (!values.has(name)) values.set(name, [])
    values.get(name).push(value)
  }
  for (const element of form.elements) {
    if (!element.name || element.name === 'csrf_token' || element.type === 'file') continue
    const given = values.get(element.name) || []
    if (element.type === 'checkbox' || element.type === 'radio') {
      element.checked = given.includes(element.value)
    } else if (given.length) {
      element.value = given[0]
    }
  }
}

export function csrfToken () {
  const meta = document.querySelector('meta[name="csrf-token"]')
  return meta ? meta.content : ''
}

function refreshToken (response) {
  const fresh = response.headers.get('X-CSRF-Token')
  if (!fresh) return
  const meta = document.querySelector('meta[name="csrf-token"]')
  if (meta) meta.content = fresh
  for (const input of document.querySelectorAll('input[name="csrf_token"]')) input.value = fresh
}

// ensureHtmx: starts htmx (app.mjs), which the page's own copy is resent with.
export function startDeviceCopies (meta, ensureHtmx) {
  const user = meta.dataset.user
  const keeping = meta.content === 'on'
  const form = document.getElementById('cpd-form')
  const status = document.getElementById('autosave-status')
  const autosaveUrl = form && form.getAttribute('data-hx-post')
  // The page's autosaves go one at a time (hx-sync), so the last copy sent is the
  // one an answer is about, even after the address bar changed.
  let lastSent = null
  // Autosaves of this page sent and not yet answered: while one is on its way, this
  // page's copy is the one it carries (its answer deletes or keeps it).
  let unanswered = 0
  let syncing = null
  let refused = false // see REFUSED_UNTIL_CHANGED

  const keyFor = (path) => `${user}:${path}`
  window.recordCpdDeviceCopies = true // app.mjs leaves the status line to this module
  // A paragraph, as the server's own messages are: the status line is kept in view
  // (sticky, app.scss) only while it holds one.
  const say = (text) => {
    if (!status) return
    const line = document.createElement('p')
    line.className = 'govuk-body govuk-!-margin-bottom-0'
    line.textContent = text
    status.replaceChildren(line)
  }

  // Send one kept copy (from another page, or an earlier visit) to the server.
  async function send (copy) {
    const response = await fetch(autosaveUrl || '/your-cpd/autosave', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'HX-Request': 'true', 'X-CSRFToken': csrfToken() },
      body: new URLSearchParams(copy.fields)
    })
    refreshToken(response)
    return response.status
  }

  async function syncAll () {
    if (!keeping) return
    const copies = (await allCopies()).filter((c) => c.user === user)
    copies.sort((a, b) => a.savedAt - b.savedAt)
    for (const copy of copies) {
      if (isConfirmed(copy)) { forgetConfirmed(copy); continue } // the server has it
      if (form && copy.path === location.pathname) {
        // Sending it again would post the same answers twice, and the late second
        // answer would move the session's end under the timeout warning.
        if (unanswered > 0) continue
        // This page's own copy is already in its fields: autosave them the usual way.
        // The form autosaves on a change from one of its boxes (not from the form
        // itself), so the change is raised on its first text box.
        const box = form.querySelector('textarea, input[type=text]')
        await ensureHtmx()
        if (box) box.dispatchEvent(new Event('change', { bubbles: true }))
        continue
      }
      let result
      try {
        result = await send(copy)
      } catch (error) {
        return // still offline
      }
      if (result < 200 || result >= 300) {
        refused = REFUSED_UNTIL_CHANGED.includes(result)
        return // signed out, conflict, refused or server trouble: keep it and try later
      }
      await deleteUpTo(copy)
    }
  }

  function sync () {
    syncing = syncing || syncAll().catch((error) => {
      console.error('Record CPD: could not send copies kept on this device', error)
    }).finally(() => { syncing = null })
    return syncing
  }

  if (form && autosaveUrl) {
    const keepCopy = () => {
      const copy = {
        key: keyFor(location.pathname),
        user,
        path: location.pathname,
        formType: form.querySelector('input[name="form_type"]').value,
        fields: fieldsOf(form),
        // Later than any copy before it, even within one millisecond (see isConfirmed).
        savedAt: Math.max(Date.now(), lastSent ? lastSent.savedAt + 1 : 0)
      }
      putCopy(copy).catch((error) => console.error('Record CPD: could not keep a copy', error))
      return copy
    }
    form.addEventListener('htmx:configRequest', (event) => {
      if (!keeping || event.detail.elt !== form) return
      unanswered += 1
      lastSent = keepCopy()
    })
    // Left offline with answers not yet autosaved: leaving.mjs's request cannot
    // arrive, so keep them here to send later. (Online, that request is trusted: a
    // copy left behind would fill the next new form with this one's answers.)
    window.addEventListener('pagehide', () => {
      if (keeping && form.dataset.unsaved && !navigator.onLine) keepCopy()
    })
    form.addEventListener('htmx:afterRequest', (event) => {
      if (event.detail.elt !== form) return
      if (keeping) unanswered = Math.max(0, unanswered - 1)
      const code = event.detail.xhr ? event.detail.xhr.status : 0
      refused = REFUSED_UNTIL_CHANGED.includes(code)
      if (code >= 200 && code < 300) {
        if (keeping && lastSent) {
          noteConfirmed(lastSent)
          forgetConfirmed(lastSent)
        }
        return
      }
      // A conflict, signed out, the account full or the form too large: the server's
      // own message is showing (and a form that arrived after the session ended is
      // kept on the server, too).
      if (code === 409 || code === 401 || refused) return
      // The service was busy (503): its message is showing; the copy kept here is sent
      // again by the timer below.
      if (code === 503 && keeping) return
      if (!keeping) { say(code === 0 ? SAVED_HERE.off : SAVED_HERE.notKept); return }
      // No answer at all: the connection (or the server) is away.
      say(code === 0 ? `${OFFLINE_NOW} ${SAVED_HERE.offline}` : SAVED_HERE.notNow)
    })

    // Back on this page with a copy the server never confirmed: put it in the form.
    getCopy(keyFor(location.pathname)).then((copy) => {
      if (!copy || !keeping) return
      if (isConfirmed(copy)) { forgetConfirmed(copy); return } // the server has it
      fill(form, copy.fields)
      if (/^\/your-cpd\/\d+\/edit$/.test(location.pathname)) form.action = location.pathname
      say(navigator.onLine ? SAVED_HERE.offline : `${OFFLINE_NOW} ${SAVED_HERE.offline}`)
      sync()
    }).catch(() => {})
  }

  if (!keeping) return
  window.addEventListener('online', sync)
  setInterval(() => { if (navigator.onLine && !refused) sync() }, RETRY_MS)
  sync()

  // Signing out: send what is waiting first, then let the server clear the device
  // (its answer carries Clear-Site-Data).
  for (const signOut of document.querySelectorAll('form.app-sign-out')) {
    signOut.addEventListener('submit', (event) => {
      if (signOut.dataset.flushed) return
      event.preventDefault()
      const timeout = new Promise((resolve) => setTimeout(resolve, 3000))
      Promise.race([sync(), timeout]).finally(() => {
        signOut.dataset.flushed = 'true'
        signOut.requestSubmit ? signOut.requestSubmit() : signOut.submit()
      })
    })
  }
}
