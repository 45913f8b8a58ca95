import { configDefaults, defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// The dev server proxies the API and the socket to the Node server so the browser sees one origin.
const apiTarget = process.env.LORESYNC_DEV_API ?? 'http://127.0.0.1:3000'

export default defineConfig({
  root: 'client',
  plugins: [vue()],
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/api': apiTarget,
      '/socket.io': { target: apiTarget, ws: true },
    },
  },
  test: {
    root: '.',
    include: ['tests/**/*.test.ts', 'client/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'node', exclude: [...configDefaults.exclude, 'tests/e2e/**'] },
      },
      {
        // Real Chromium against a real server: the client is built once for the whole run. Not
        // `extends`: extended lists are concatenated, and this project runs only tests/e2e.
        test: {
          name: 'e2e',
          root: '.',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          pool: 'forks',
          testTimeout: 90_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
})
