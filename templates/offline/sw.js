// Record CPD's service worker (rendered by app/offline.py).
// Assets: precached at install under a versioned cache; a new release has a new
// version and the old caches are deleted when it activates.
// Pages: network first. When the network fails, a CPD form is rebuilt from its
// cached blank form (a "shell", which holds no answers) and the page script fills
// it from the copy kept on this device; anything else gets the offline page.
const VERSION = {{ version | tojson }}
const ASSETS = `record-cpd-assets-${VERSION}`
const SHELLS = `record-cpd-shells-${VERSION}`
const PRECACHE = {{ precache | tojson }}
const OFFLINE_URL = {{ offline_url | tojson }}
const NEW_FORM = /^\/your-cpd\/new\/(structured|unstructured)$/
const EDIT_FORM = /^\/your-cpd\/\d+\/edit$/

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(ASSETS)
    // credentials: 'omit': the cached offline page must not carry anyone's session.
    await cache.addAll(PRECACHE.map((url) => new Request(url, { credentials: 'omit' })))
    await self.skipWaiting()
  })())
})

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('record-cpd-') && name !== ASSETS && name !== SHELLS) {
        await caches.delete(name)
      }
    }
    await self.clients.claim()
  })())
})

// The form type of the copy kept on this device for a page (the page script writes
// copies into IndexedDB; see static/js/device-copies.mjs).
function formTypeKeptFor (path) {
  return new Promise((resolve) => {
    const opening = indexedDB.open('record-cpd', 1)
    opening.onupgradeneeded = () => {
      opening.transaction.abort() // no copies yet: do not create the database here
    }
    opening.onerror = () => resolve(null)
    opening.onsuccess = () => {
      const db = opening.result
      if (!db.objectStoreNames.contains('copies')) return resolve(null)
      const all = db.transaction('copies').objectStore('copies').getAll()
      all.onsuccess = () => {
        const copy = all.result.find((c) => c.path === path)
        resolve(copy ? copy.formType : null)
      }
      all.onerror = () => resolve(null)
    }
  })
}

// The page token (the form's hidden "editor" field) names the record a form page
// writes to. The shell keeps the token of the page it was copied from, so every page
// served from it gets a new one here: a second new form opened offline must make a
// draft of its own, not write over the first one's. (A reload that puts a kept copy
// back in the form puts that copy's own token back too: it is the same page.)
function newPageToken () {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

async function withPageTokenOfItsOwn (shell) {
  const html = await shell.text()
  const body = html.replace(/(<input type="hidden" name="editor" value=")[^"]*(")/, `$1${newPageToken()}$2`)
  return new Response(body, { status: shell.status, statusText: shell.statusText, headers: shell.headers })
}

async function whenOffline (url) {
  let shellPath = null
  if (NEW_FORM.test(url.pathname)) shellPath = url.pathname
  if (EDIT_FORM.test(url.pathname)) {
    const formType = await formTypeKeptFor(url.pathname)
    if (formType) shellPath = `/your-cpd/new/${formType}`
  }
  if (shellPath) {
    const shell = await caches.match(shellPath, { cacheName: SHELLS })
    if (shell) return withPageTokenOfItsOwn(shell)
  }
  return (await caches.match(OFFLINE_URL, { cacheName: ASSETS })) ||
    new Response('You are offline.', { status: 503, headers: { 'Content-Type': 'text/plain' } })
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== self.location.origin) return
  if (request.mode === 'navigate') {
    event.respondWith((async () => {
      try {
        const response = await fetch(request)
        if (response.ok && NEW_FORM.test(url.pathname) && !url.search) {
          const copy = response.clone()
          event.waitUntil(caches.open(SHELLS).then((cache) => cache.put(url.pathname, copy)))
        }
        return response
      } catch (error) {
        return whenOffline(url)
      }
    })())
    return
  }
  if (url.pathname.startsWith('/static/')) {
    event.respondWith((async () => {
      const cached = await caches.match(request, { cacheName: ASSETS })
      return cached || fetch(request)
    })())
  }
})
