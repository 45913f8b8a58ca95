/** Every world and element has its own URL, so a shared link (or a reload) opens it directly. */
import { createRouter, createWebHistory, type Router } from 'vue-router'
import InviteAccept from './components/InviteAccept.vue'
import NotFound from './components/NotFound.vue'
import WorldHome from './components/WorldHome.vue'
import WorldLayout from './components/WorldLayout.vue'
import WorldPicker from './components/WorldPicker.vue'

export const createAppRouter = (): Router =>
  createRouter({
    history: createWebHistory(),
    routes: [
      { path: '/', name: 'worlds', component: WorldPicker },
      {
        path: '/worlds/:worldId',
        component: WorldLayout,
        props: true,
        children: [
          { path: '', name: 'world', component: WorldHome },
          {
            path: 'elements/:elementId',
            name: 'element',
            // The editor is most of the bundle; the world picker does not wait for it.
            component: () => import('./components/ElementPage.vue'),
            props: true,
          },
        ],
      },
      // The address the server issues for an invite link (`Invite.url`).
      { path: '/invite/:token', name: 'invite', component: InviteAccept, props: true },
      { path: '/:path(.*)*', name: 'not-found', component: NotFound },
    ],
  })
