import { useEffect, useState } from 'preact/hooks';

export const pollIntervalMs = 5_000;

export interface Polled<T> {
  data?: T;
  error?: string;
  reload(): void;
}

/**
 * Loads now and again every few seconds, one load at a time, and not while
 * the tab is hidden (the reads are not free for the gateway): showing it again
 * loads at once. A new `query` (another filter, another page) drops what was
 * shown, so that the view never shows one query's rows under another's filters.
 */
export function usePoll<T>(load: () => Promise<T>, query: string): Polled<T> {
  const [state, setState] = useState<{ query: string; data?: T; error?: string }>({ query });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let stopped = false;
    let loading = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (document.hidden || loading) return;
      loading = true;
      try {
        const data = await load();
        if (!stopped) setState({ query, data });
      } catch (error) {
        if (!stopped) setState((previous) => ({ ...(previous.query === query ? previous : { query }), error: (error as Error).message }));
      } finally {
        loading = false;
      }
      if (!stopped) timer = setTimeout(run, pollIntervalMs);
    };
    const resume = () => {
      if (document.hidden || stopped) return;
      clearTimeout(timer);
      void run();
    };
    document.addEventListener('visibilitychange', resume);
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', resume);
    };
  }, [query, generation]);
  const reload = () => setGeneration((value) => value + 1);
  // Until the new query's first answer, the last one's rows are not shown under the new filters.
  return state.query === query ? { data: state.data, error: state.error, reload } : { reload };
}
