/** The composition root: reads the config, builds the client and API, wires the app. Nothing else. */
import { createPinia } from 'pinia'
import { createApp, markRaw } from 'vue'
import App from './App.vue'
import { createApi } from './api/http.ts'
import { CollabClient } from './collab/collab-client.ts'
import { isHeldOffline, loadConfig } from './config.ts'
import { keepSocketSignedIn } from './auth/socket-session.ts'
import { createAppRouter } from './router.ts'
import { SERVICES } from './services.ts'
import { useConnectionStore } from './stores/connection.ts'
import { useIdentityStore } from './stores/identity.ts'
import { installTestHooks } from './test-hooks.ts'
import './styles.css'

const config = loadConfig()
const held = isHeldOffline(config)
// The socket connects once someone is signed in (App.vue): a handshake without a session is refused.
const collab = new CollabClient({ url: config.serverUrl, options: { autoConnect: false } })
const api = createApi(config.serverUrl)

const pinia = createPinia()
const app = createApp(App)
app.use(pinia)
app.use(createAppRouter())
app.provide(SERVICES, markRaw({ collab, api, config }))

const connection = useConnectionStore(pinia)
connection.attach(collab, { held })
const identity = useIdentityStore(pinia)
keepSocketSignedIn(collab.socket, api, {
  reconnect: () => connection.resume(),
  signedOut: () => identity.sessionEnded(),
})
if (config.testHooks) installTestHooks(connection)

app.mount('#app')
