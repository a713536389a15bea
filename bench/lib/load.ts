import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec, ToChild, ToParent } from './protocol.js';

const CLIENT = fileURLToPath(new URL('./client.ts', import.meta.url));

/**
 * Runs one scenario's load from a child process. The child inherits the TypeScript loader this process
 * runs under (tsx), but not profiling flags: a profile should show the server only.
 */
export function runLoad(
  spec: LoadSpec,
  hooks: {
    onMeasuring?: (clientPid: number) => void;
    /** Awaited before the child is told to exit, so it can read the child's CPU time. */
    onDone?: (clientPid: number) => Promise<void>;
  } = {},
): Promise<LoadResult> {
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--cpu-prof') && !a.startsWith('--inspect'));
  const child = fork(CLIENT, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: LoadResult | null = null;
    child.on('message', (m: ToParent) => {
      if (m.type === 'measuring') hooks.onMeasuring?.(child.pid!);
      else if (m.type === 'done') {
        result = m.result;
        const bye: ToChild = { type: 'exit' };
        (hooks.onDone?.(child.pid!) ?? Promise.resolve()).then(
          () => child.send(bye),
          (err: unknown) => {
            child.send(bye);
            reject(err);
          },
        );
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`the load client exited with code ${code} before reporting`));
    });
    child.send(spec);
  });
}
