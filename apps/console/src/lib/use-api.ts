import { DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface ApiState<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * Calls `load` when `deps` change (and every `pollMs` if given, until `stop(data)` says the answer is final);
 * keeps the last good answer while a reload runs, and the error of the last failed one.
 */
export function useApi<T>(
  load: () => Promise<T>,
  deps: DependencyList,
  options: { pollMs?: number; stop?: (data: T) => boolean } = {},
): ApiState<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const stopRef = useRef(options.stop);
  stopRef.current = options.stop;
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      setState((previous) => ({ ...previous, loading: true }));
      try {
        const data = await loadRef.current();
        if (cancelled) return;
        setState({ data, loading: false });
        if (options.pollMs && !stopRef.current?.(data)) timer = setTimeout(run, options.pollMs);
      } catch (error) {
        if (cancelled) return;
        setState((previous) => ({ data: previous.data, error, loading: false }));
        if (options.pollMs) timer = setTimeout(run, options.pollMs * 2);
      }
    };
    void run();
    // `load` and `stop` are read through refs: a caller's new closure on every render must not refetch; its
    // `deps` say when the answer can change.
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [...deps, generation, options.pollMs]);

  return { ...state, reload };
}
