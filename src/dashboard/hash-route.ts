import { useEffect, useState } from 'preact/hooks';

export const views = ['overview', 'requests', 'cost', 'providers', 'keys'] as const;
export type View = (typeof views)[number];
/** What a team signed in with its virtual key sees: its own usage, nothing of the gateway's. */
export const keyViews: readonly View[] = ['overview', 'requests', 'cost'];

const viewOf = (hash: string): View => {
  const name = hash.replace(/^#\/?/, '');
  return (views as readonly string[]).includes(name) ? (name as View) : 'overview';
};

/** The view named in the URL's hash (#/requests), so that the back button and links work without a router. */
export function useHashRoute(): View {
  const [view, setView] = useState(() => viewOf(location.hash));
  useEffect(() => {
    const follow = () => setView(viewOf(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return view;
}
