import react from '@vitejs/plugin-react'
import { defaultClientConditions, defineConfig } from 'vite'

// The console is served by the key server at /console (packages/server/src/http/console), under
// a Content-Security-Policy without 'unsafe-inline': Vite writes the entry as a module script
// file and the styles as a CSS file, and nothing is inlined into index.html.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  resolve: { conditions: ['@latch/source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Fonts and images stay files (font-src 'self'), never data: URLs.
    assetsInlineLimit: 0,
    target: 'es2023',
    // One chunk for a console that loads once from the key server itself (≈200 kB gzipped).
    chunkSizeWarningLimit: 800,
  },
  // `vite` in this folder, with a key server on 8400: the API through the dev server's origin.
  server: {
    proxy: {
      '/v1': 'http://127.0.0.1:8400',
      '/healthz': 'http://127.0.0.1:8400',
      '/console/config.json': 'http://127.0.0.1:8400',
    },
  },
})
