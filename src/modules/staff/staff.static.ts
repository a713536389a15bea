import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { problem, sendProblem } from '../../http/problem.js';
import type { TApp } from '../../http/types.js';

/** The package root: the nearest directory above this file with a package.json (src/ and dist/src/ alike). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export const WEB_DIST = join(packageRoot(), 'web', 'dist');

/**
 * Serves the built dashboard at /admin. Hashed assets are cached for a year; index.html never is, so
 * a new build is picked up at the next load. Client-side routes (/admin/members/…) get index.html.
 */
export function registerDashboard(app: TApp, distDir: string = WEB_DIST): void {
  if (!existsSync(join(distDir, 'index.html'))) {
    app.get('/admin', { schema: { hide: true } }, async (req, reply) =>
      sendProblem(
        reply.code(503),
        problem(req, 'service_unavailable', 'The dashboard is not built: run `npm run build`.'),
      ),
    );
    return;
  }
  app.register(fastifyStatic, {
    root: distDir,
    prefix: '/admin/',
    index: false,
    wildcard: false,
    setHeaders(res, path) {
      res.setHeader(
        'cache-control',
        path.includes(`${join('dist', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const sendIndex = async (
    _req: unknown,
    reply: { header: (k: string, v: string) => unknown; sendFile: (f: string) => unknown },
  ) => {
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html');
  };
  app.get('/admin', { schema: { hide: true } }, sendIndex as never);
  app.get('/admin/', { schema: { hide: true } }, sendIndex as never);
  app.get('/admin/*', { schema: { hide: true } }, sendIndex as never);
}
