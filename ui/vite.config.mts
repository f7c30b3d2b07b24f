import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The console builds into dist/ui (beside the compiled gateway), served by the gateway at /ui/. */
export default defineConfig({
  root: here,
  base: '/ui/',
  // Preact through the JSX automatic runtime: Vite's own transform does it, no plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  logLevel: 'warn',
});
