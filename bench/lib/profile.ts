import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { formatNumber, formatTable } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/**
 * A CPU profile of this process (the server) over one measured window, written as a .cpuprofile
 * (open it in Chrome DevTools or speedscope) and summarised by self time.
 */
export class CpuProfiler {
  private session: Session | null = null;

  async start(): Promise<void> {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    this.session = session;
  }

  /** Stops, writes `file`, and returns the summary text. */
  async stop(file: string): Promise<string> {
    const session = this.session;
    if (!session) return '';
    this.session = null;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(profile));
    return summarise(profile.nodes as ProfileNode[], file);
  }
}

/** Where a frame's code lives: a package, a file of ours, Node itself, or V8's pseudo-frames. */
function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node';
  const ours = /\/((?:src|bench)\/.*)$/.exec(url);
  return ours ? ours[1]! : url;
}

function summarise(nodes: ProfileNode[], file: string): string {
  const total = nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  for (const n of nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const owner = ownerOf(url, functionName);
    const key = `${functionName || '(anonymous)'}  ${owner}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + hits);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [formatNumber((100 * v) / total, 1), k]);
  return [
    `CPU profile: ${file}`,
    formatTable(['self %', 'where'], top(byOwner, 12), [1]),
    '',
    formatTable(['self %', 'function'], top(byFunction, 20), [1]),
  ].join('\n');
}
