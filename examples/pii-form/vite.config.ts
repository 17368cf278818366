import { resolve } from 'node:path'
import { defineConfig } from 'vite'

// The two pages' scripts, bundled to dist/assets: the pages load them as files (the CSP allows
// no inline script).
export default defineConfig({
  root: import.meta.dirname,
  logLevel: 'warn',
  publicDir: false,
  resolve: { conditions: ['browser', '@latch/source'] },
  build: {
    outDir: process.env.PII_FORM_ASSETS ?? resolve(import.meta.dirname, 'dist/assets'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        form: resolve(import.meta.dirname, 'src/page/form.ts'),
        review: resolve(import.meta.dirname, 'src/page/review.ts'),
      },
      output: { entryFileNames: '[name].js', chunkFileNames: '[name].js', format: 'es' },
    },
  },
})
