import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';

/**
 * A dialog's keyboard: focus goes to `first` when it opens (or shows
 * something new, `showing`), Escape calls `onEscape`, and focus returns to
 * whatever had it before once the dialog closes, so the keyboard keeps its place.
 */
export function useDialogKeys(first: RefObject<HTMLElement | null>, onEscape: () => void, showing: unknown): void {
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    first.current?.focus();
    const escape = (event: KeyboardEvent) => event.key === 'Escape' && onEscape();
    addEventListener('keydown', escape);
    return () => {
      removeEventListener('keydown', escape);
      before?.focus();
    };
  }, [showing]);
}
