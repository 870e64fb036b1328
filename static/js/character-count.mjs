// Character counts kept on the device (GOV.UK character count): the count under a
// limited box changes at once as people type, offline too, and the box's polite live
// region says it after a pause in typing, once per pause. The same counting rule as
// the server (app/cpd/rules.py count_characters): Unicode code points, a line break
// once however the browser sends it. The server still decides when a record is saved.

const ANNOUNCE_AFTER_MS = 1000

export function countCharacters (value) {
  return [...value.replace(/\r\n?/g, '\n')].length
}

export function countMessage (value, limit) {
  const remaining = limit - countCharacters(value)
  const number = Math.abs(remaining).toLocaleString('en-GB')
  const noun = Math.abs(remaining) === 1 ? 'character' : 'characters'
  if (remaining >= 0) return { text: `You have ${number} ${noun} remaining`, over: false }
  return { text: `You have ${number} ${noun} too many`, over: true }
}

function startCount (box) {
  const limit = Number(box.dataset.countLimit)
  const region = document.getElementById(`${box.id}-count`)
  const announce = document.getElementById(`${box.id}-announce`)
  const info = document.getElementById(`${box.id}-info`)
  if (!limit || !region || !announce || !info) return
  // As GOV.UK's component does: the limit stays in the box's description (read with
  // the box), the count is for sight, and the live region says it after a pause.
  for (const stale of region.querySelectorAll('.govuk-character-count__message:not([id])')) stale.remove()
  info.className = 'govuk-visually-hidden'
  const message = document.createElement('div')
  message.setAttribute('aria-hidden', 'true')
  region.append(message)
  let pause = null

  function show () {
    const { text, over } = countMessage(box.value, limit)
    message.textContent = text
    message.className = `govuk-character-count__message ${over ? 'govuk-error-message' : 'govuk-hint'}`
    return text
  }

  show()
  box.addEventListener('change', show) // text put back from a copy on the device
  box.addEventListener('input', () => {
    const text = show()
    clearTimeout(pause)
    pause = setTimeout(() => { announce.textContent = text }, ANNOUNCE_AFTER_MS)
  })
}

export function startCharacterCounts () {
  for (const box of document.querySelectorAll('[data-count-limit]')) startCount(box)
}
