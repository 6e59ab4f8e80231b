import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** Where the API server listens during development. */
const apiTarget = 'http://localhost:8080';

/** Vite config: the SPA is built to dist/ and served by the Invigil server in production. */
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist' },
  // The detection worker is an ES module worker: it imports the models' library as a chunk
  // of its own, loaded only when an exam with monitoring starts.
  worker: { format: 'es' },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/healthz': { target: apiTarget, changeOrigin: false },
    },
  },
});
