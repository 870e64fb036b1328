// Supporting documents with JavaScript. htmx posts a file as soon as it is chosen
// (the file input's data-hx-* attributes, templates/pages/cpd/_documents.html) and
// swaps in the list of documents; this module adds what htmx does not: a progress
// bar while the file goes up (a labelled <progress>, which screen readers announce
// as a progress bar), a message if it could not be sent, the keyboard focus moved
// to the explanation box a document just added needs (it appears above the file
// input, where focus would otherwise stay) and kept in the documents section after
// "Remove". Without it uploads still work.

const PROGRESS_ID = 'documents-progress'

function isUpload (element) {
  return element instanceof HTMLInputElement && element.type === 'file' && element.id === 'documents'
}

function isRemove (element) {
  return element instanceof HTMLButtonElement && /\/documents\/\d+\/remove$/.test(element.getAttribute('formaction') || '')
}

function describeChoice (input) {
  const files = Array.from(input.files || [])
  if (files.length === 1) return files[0].name
  return `${files.length} files`
}

function showProgress (input) {
  const status = document.getElementById('documents-status')
  if (!status) return
  let wrapper = document.getElementById(PROGRESS_ID)
  if (!wrapper) {
    wrapper = document.createElement('div')
    wrapper.id = PROGRESS_ID
    wrapper.className = 'govuk-form-group app-upload-progress'
    const label = document.createElement('label')
    label.className = 'govuk-label'
    label.htmlFor = `${PROGRESS_ID}-bar`
    const bar = document.createElement('progress')
    bar.id = `${PROGRESS_ID}-bar`
    bar.max = 100
    wrapper.append(label, bar)
    status.before(wrapper)
  }
  wrapper.querySelector('label').textContent = `Uploading ${describeChoice(input)}`
  setProgress(0)
  status.textContent = ''
}

function setProgress (percent) {
  const bar = document.getElementById(`${PROGRESS_ID}-bar`)
  if (!bar) return
  // Upload and download progress both arrive; the bar never goes backwards.
  const value = Math.max(Number(bar.value) || 0, Math.min(100, Math.round(percent)))
  bar.value = value
  bar.textContent = `${value}%`
}

function hideProgress () {
  const wrapper = document.getElementById(PROGRESS_ID)
  if (wrapper) wrapper.remove()
}

let removing = false
let documentsBefore = null // ids of the documents listed when an upload was sent

// The unstructured form needs an explanation for each document (app/cpd/rules.py);
// on the structured form it is optional, and focus stays on the file input, ready
// for another file.
function explanationRequired () {
  const formType = document.querySelector('#cpd-form input[name="form_type"]')
  return Boolean(formType) && formType.value === 'unstructured'
}

function listedDocuments () {
  return new Set(Array.from(document.querySelectorAll('.app-documents__item'), (item) => item.id))
}

export function startUploads () {
  // Once per page, whoever imports this.
  if (document.documentElement.hasAttribute('data-uploads')) return
  document.documentElement.setAttribute('data-uploads', '')

  document.addEventListener('htmx:beforeRequest', (event) => {
    const element = event.detail.elt
    if (isUpload(element)) {
      documentsBefore = listedDocuments()
      showProgress(element)
    }
    if (isRemove(element)) removing = true
  })
  document.addEventListener('htmx:xhr:progress', (event) => {
    if (!isUpload(event.target) || !event.detail.lengthComputable || !event.detail.total) return
    setProgress((event.detail.loaded / event.detail.total) * 100)
  })
  document.addEventListener('htmx:afterRequest', (event) => {
    const element = event.detail.elt
    if (isUpload(element)) {
      if (event.detail.successful) setProgress(100)
      else documentsBefore = null
      hideProgress()
    }
  })
  document.addEventListener('htmx:afterSettle', () => {
    if (documentsBefore) {
      // Several settles may come from one answer (its out-of-band parts): wait for
      // the one that lists the new document.
      const added = Array.from(document.querySelectorAll('.app-documents__item'))
        .find((item) => !documentsBefore.has(item.id))
      const box = added && added.querySelector('textarea')
      if (box) {
        documentsBefore = null
        if (explanationRequired()) box.focus()
      }
    }
    if (!removing) return
    removing = false
    // The Remove button went with its document: carry on from the file input.
    const input = document.getElementById('documents')
    if (input && !input.contains(document.activeElement)) input.focus()
  })
  // Nothing reached the server: say so, and that nothing else was lost.
  document.addEventListener('htmx:sendError', (event) => {
    const element = event.detail.elt
    if (!isUpload(element) && !isRemove(element)) return
    documentsBefore = null
    hideProgress()
    const status = document.getElementById('documents-status')
    if (status) {
      status.textContent = isUpload(element)
        ? 'Your document could not be sent just now. Your answers are still here: check your connection and choose the file again.'
        : 'The document could not be removed just now. Check your connection and try again.'
    }
  })
}
