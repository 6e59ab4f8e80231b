import { defaultClientConditions, defineConfig } from 'vite';
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
  // The voice worker's ONNX runtime loads its wasm from the server (/detection/ort/, the
  // installed package's own files): take the build that does not make Vite copy it too.
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/healthz': { target: apiTarget, changeOrigin: false },
    },
  },
});
