import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The member portal is served by the API process at /portal (src/modules/portal/portal.static.ts), a
// build of its own beside the dashboard's so a member's phone never downloads the staff app.
export default defineConfig({
  root,
  base: '/portal/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    port: 5174,
    proxy: { '/portal/api': 'http://localhost:3000' },
  },
});
