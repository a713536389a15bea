import { useCallback, useEffect, useState } from 'react';
import { api } from './api.js';

/** GETs a portal API path; `reload` fetches it again (after a write that changed it). */
export function useLoad<T>(path: string | null) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is the reload trigger, read by no code.
  useEffect(() => {
    if (!path) return;
    let live = true;
    setError(null);
    api<T>('GET', path).then(
      (d) => live && setData(d),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  return { data, error, reload: useCallback(() => setTick((n) => n + 1), []) };
}
