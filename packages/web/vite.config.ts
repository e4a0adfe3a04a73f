import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/** The server `npm run dev` proxies API calls and the device stream to (`familiar start`'s default). */
const apiTarget = process.env.FAMILIAR_URL ?? 'http://localhost:7777';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    // The AudioWorklet module stays a file (not a data: URL), so it loads under any content security policy.
    assetsInlineLimit: (file) => (file.endsWith('.js') ? false : undefined),
  },
  server: {
    proxy: {
      '/v1': { target: apiTarget, ws: true },
      '/healthz': { target: apiTarget },
    },
  },
});
