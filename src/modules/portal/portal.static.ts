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

export const PORTAL_DIST = join(packageRoot(), 'web', 'portal', 'dist');

/**
 * Serves the built member portal at /portal, as the dashboard is served at /admin: hashed assets are
 * cached for a year, index.html never, and client-side routes get index.html.
 */
export function registerPortalApp(app: TApp, distDir: string = PORTAL_DIST): void {
  if (!existsSync(join(distDir, 'index.html'))) {
    app.get('/portal', { schema: { hide: true } }, async (req, reply) =>
      sendProblem(
        reply.code(503),
        problem(req, 'service_unavailable', 'The member portal is not built: run `npm run build:portal`.'),
      ),
    );
    return;
  }
  // A plugin scope of its own. When the dashboard's @fastify/static already decorated the reply, this one
  // must not decorate again (Fastify refuses a second `sendFile`), so index.html is sent with an explicit root.
  app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: distDir,
      prefix: '/portal/',
      index: false,
      wildcard: false,
      decorateReply: !scope.hasReplyDecorator('sendFile'),
      setHeaders(res, path) {
        res.setHeader(
          'cache-control',
          path.includes(join('dist', 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
    const sendIndex = async (
      _req: unknown,
      reply: { header: (k: string, v: string) => unknown; sendFile: (f: string, root: string) => unknown },
    ) => {
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html', distDir);
    };
    scope.get('/portal', { schema: { hide: true } }, sendIndex as never);
    scope.get('/portal/', { schema: { hide: true } }, sendIndex as never);
    // Client-side routes only: /portal/api/* are real routes and an unknown one stays a problem+json 404.
    scope.get('/portal/*', { schema: { hide: true } }, (async (
      req: { url: string },
      reply: Parameters<typeof sendIndex>[1],
    ) => {
      if (req.url.startsWith('/portal/api/')) {
        return sendProblem(
          reply as never,
          problem(req as never, 'route_not_found', `No route ${req.url.split('?')[0]}.`),
        );
      }
      return sendIndex(req, reply);
    }) as never);
  });
}
