import type { TApp } from '../../src/http/types.js';

export interface RouteInfo {
  method: string;
  /** The path as registered, with `:param` placeholders. */
  path: string;
  params: string[];
}

/**
 * Every (method, path) the router knows, parsed from `printRoutes`, without HEAD (it mirrors GET) and the
 * docs UI. Read from the router rather than a list kept by hand, so a route added tomorrow is walked by
 * the security tests without anyone remembering to add it.
 */
export function listRoutes(app: TApp): RouteInfo[] {
  const out: RouteInfo[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const full = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = full;
    if (full.startsWith('/docs') || full === '/openapi.json') continue;
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim())) {
      if (!method || method === 'HEAD') continue;
      out.push({ method, path: full, params: [...full.matchAll(/:(\w+)/g)].map((x) => x[1]!) });
    }
  }
  return out.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

export const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
