import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The dashboard is served by the API process at /admin (src/modules/staff/staff.static.ts), so every
// asset URL starts there; `npm run dev:web` proxies the API for hot reload during development.
export default defineConfig({
  root,
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // ECharts is one large chunk by nature; split it so the sign-in page loads without it.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { '/v1': 'http://localhost:3000', '/admin/api': 'http://localhost:3000' },
  },
});
