// The warning before the session's idle timeout (WCAG 2.2.1: timing adjustable).
// At least the policy's warning time before the session ends, a modal dialog says
// what will happen and when; "Stay signed in" (or Escape) asks the server to count
// now as activity; "Sign out" signs out. Any request that counts as activity (a
// page load, an autosave) restarts the clock. When time runs out, the dialog says
// the person was signed out and how to carry on. Opening the dialog moves focus
// out of the field being typed in, so its change is autosaved before the end.

// The dialog is built here, not sent in the page: browsers without scripts (lynx
// and Dillo ignore `hidden`) would show its words and buttons that do nothing.
// The page sends only an empty element holding the settings.

function element (tag, attributes, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  node.append(...children)
  return node
}

// Zoomed in (400 % is a 320 × 256 window) only the first few lines show: each state
// opens with its heading, the time left or what happened, and then the action, so
// all of them are in view without scrolling; the reason comes after the buttons
// (and is read out with the rest, as the dialog's description).
function buildDialog (settings) {
  const token = document.querySelector('meta[name="csrf-token"]')
  const button = 'govuk-button'
  const after = `${settings.idleMinutes} minutes without activity`
  return element('dialog', {
    class: 'app-timeout-dialog',
    'aria-labelledby': 'session-timeout-title',
    'aria-describedby': 'session-timeout-text session-timeout-reason'
  },
  element('div', { 'data-state': 'warning' },
    element('h2', { class: 'govuk-heading-m', id: 'session-timeout-title' }, 'You will be signed out soon'),
    // The time left said again as it runs down (announcedAt below): the countdown
    // in the text is read only as the dialog opens.
    element('p', { class: 'govuk-visually-hidden', 'aria-live': 'polite', 'data-announce': '' }),
    element('p', { class: 'govuk-body', id: 'session-timeout-text' },
      'We will sign you out in ', element('strong', { 'data-countdown': '' }), ' if you do nothing.'),
    element('div', { class: 'govuk-button-group' },
      element('button', { type: 'button', class: button, 'data-stay': '' }, 'Stay signed in'),
      element('form', { method: 'post', action: settings.signOutUrl, class: 'app-sign-out' },
        element('input', { type: 'hidden', name: 'csrf_token', value: token ? token.content : '' }),
        element('button', { type: 'submit', class: `${button} govuk-button--secondary` }, 'Sign out'))),
    element('p', { class: 'govuk-body govuk-!-margin-bottom-0', id: 'session-timeout-reason' },
      `For your security, we sign you out after ${after}. Your work so far is saved.`)),
  element('div', { 'data-state': 'ended', hidden: '' },
    element('h2', { class: 'govuk-heading-m', id: 'session-ended-title' }, 'You have been signed out'),
    element('p', { class: 'govuk-body', id: 'session-ended-text' },
      'Your work is kept: sign in again to carry on where you left off.'),
    element('a', { class: button, 'data-sign-in': '', href: settings.signInUrl }, 'Sign in again'),
    element('p', { class: 'govuk-body govuk-!-margin-bottom-0', id: 'session-ended-reason' },
      `For your security, we signed you out after ${after}.`)))
}

export function startSessionTimeout (holder) {
  if (typeof window.HTMLDialogElement !== 'function') return // no <dialog>: the page still works
  const data = holder.dataset
  const dialog = buildDialog(data)
  holder.append(dialog)
  const timeoutMs = Number(data.timeoutSeconds) * 1000
  const warningMs = Math.min(Number(data.warningSeconds) * 1000, timeoutMs)
  const countdown = dialog.querySelector('[data-countdown]')
  const warning = dialog.querySelector('[data-state="warning"]')
  const ended = dialog.querySelector('[data-state="ended"]')
  let deadline = Date.now() + timeoutMs
  let returnFocusTo = null
  let tick = null

  // Moments (seconds left) at which the time left is said again: each whole minute,
  // then 30 and 10 seconds. Not every second: constant speech is noise.
  const announce = dialog.querySelector('[data-announce]')
  let marks = []
  function announcedAt (secondsLeft) {
    const all = [10, 30]
    for (let minute = 60; minute < secondsLeft; minute += 60) all.push(minute)
    return all.filter((mark) => mark < secondsLeft).sort((a, b) => b - a)
  }

  function describe (ms) {
    const seconds = Math.max(0, Math.ceil(ms / 1000))
    if (seconds > 90) return `${Math.ceil(seconds / 60)} minutes`
    if (seconds > 59) return '1 minute'
    return `${seconds} second${seconds === 1 ? '' : 's'}`
  }

  function open () {
    if (dialog.open) return
    returnFocusTo = document.activeElement
    countdown.textContent = describe(deadline - Date.now())
    announce.textContent = ''
    marks = announcedAt(Math.ceil((deadline - Date.now()) / 1000))
    dialog.showModal()
  }

  function close () {
    if (!dialog.open) return
    dialog.close()
    if (returnFocusTo && typeof returnFocusTo.focus === 'function') returnFocusTo.focus()
  }

  function signedOut () {
    clearInterval(tick)
    warning.hidden = true
    ended.hidden = false
    dialog.setAttribute('aria-labelledby', 'session-ended-title')
    dialog.setAttribute('aria-describedby', 'session-ended-text session-ended-reason')
    const signIn = ended.querySelector('[data-sign-in]')
    // Come back to this page (for a new form, autosave has already pointed the
    // address bar at the saved draft).
    signIn.href = `${data.signInUrl}?next=${encodeURIComponent(location.pathname + location.search)}`
    if (dialog.open) dialog.close()
    dialog.showModal()
    // From the top: the warning may have been scrolled, and its heading comes first.
    dialog.scrollTop = 0
    signIn.focus()
  }

  // Someone typing when the warning is due: their words are saved first (leaving
  // the box and coming back is the "change" that autosaves), which the server counts
  // as activity, so the end moves and no warning is needed. Opening the dialog would
  // take the focus, autosave, move the end, and leave a countdown that is untrue.
  // Once a deadline: if that autosave fails, the warning opens as usual.
  let savedFirst = false
  function saveTypingFirst () {
    const form = document.getElementById('cpd-form')
    const box = document.activeElement
    if (savedFirst || !form || !form.dataset.unsaved || !box || !form.contains(box)) return false
    if (!box.matches('textarea, input[type=text]')) return false
    savedFirst = true
    box.blur()
    box.focus()
    return true
  }

  function check () {
    const left = deadline - Date.now()
    if (left <= 0) return signedOut()
    if (left <= warningMs) {
      if (!dialog.open && saveTypingFirst()) return
      open()
      // Written every 15 seconds, not every second: the dialog is read out when it
      // opens, and a constantly changing text is noise to a screen reader.
      if (Math.round(left / 1000) % 15 === 0) countdown.textContent = describe(left)
      if (marks.length && left / 1000 <= marks[0]) {
        marks = marks.filter((mark) => mark < left / 1000)
        announce.textContent = `You will be signed out in ${describe(left)}.`
      }
    }
  }

  function restart () {
    deadline = Date.now() + timeoutMs
    savedFirst = false
    // The session was extended (an autosave or an upload reached the server) while
    // the warning was open: it no longer says something true, so it goes.
    if (dialog.open && !warning.hidden) close()
  }

  async function staySignedIn () {
    const token = document.querySelector('meta[name="csrf-token"]')
    try {
      const response = await fetch(data.keepAliveUrl, {
        method: 'POST',
        headers: { 'X-CSRFToken': token ? token.content : '' },
        credentials: 'same-origin'
      })
      if (response.ok) {
        restart()
        close()
        return
      }
    } catch (error) {
      console.error('Record CPD: could not reach the server to stay signed in', error)
    }
    signedOut() // the server had already ended the session
  }

  dialog.querySelector('[data-stay]').addEventListener('click', staySignedIn)
  // Escape means "not now", not "let it run out": treat it as Stay signed in.
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault()
    if (!warning.hidden) staySignedIn()
  })
  // Autosaves and other htmx requests that reached the server count as activity.
  document.addEventListener('htmx:afterRequest', (event) => {
    const status = event.detail.xhr && event.detail.xhr.status
    if (status && status < 400) restart()
  })
  tick = setInterval(check, 1000)
}
