import { useCallback, useEffect, useState } from 'react';
import { api } from './api.js';

/** Loads a GET endpoint; `reload` fetches again after a write. */
export function useApi<T>(path: string | null) {
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
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, reload, loading: !data && !error };
}
