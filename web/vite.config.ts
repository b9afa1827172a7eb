import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The dashboard's build: a single-page app served by the API server under /app (decision 012).
 * `npm run build:web` writes web/dist; `npm start` builds it first when the sources are newer.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // The initial JavaScript has a budget (under 300 kB gzipped): report what each chunk costs.
    reportCompressedSize: true,
  },
  // `npx vite --config web/vite.config.ts` serves the sources with hot reload; the API is the
  // server at API_ORIGIN (default: `npm start`'s port 3000).
  server: {
    proxy: {
      '/api': process.env.API_ORIGIN ?? 'http://localhost:3000',
      '/p': process.env.API_ORIGIN ?? 'http://localhost:3000',
    },
  },
});
