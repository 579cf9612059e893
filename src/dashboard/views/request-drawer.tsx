import { useRef } from 'preact/hooks';
import { useDialogKeys } from '../use-dialog-keys';
import type { RequestRow } from '../admin-types';
import { count, ms, time, usd } from '../format';

/** One request's ledger row in full. The ledger holds no prompt text, so none is shown. */
export function RequestDrawer({ row, onClose }: { row: RequestRow; onClose(): void }) {
  const closeButton = useRef<HTMLButtonElement>(null);
  useDialogKeys(closeButton, onClose, row.id);
  const fields: Array<[string, string]> = [
    ['Time', time(row.time)],
    ['Request id', row.request_id],
    ['API', row.api],
    ['Key', row.key ?? '—'],
    ['User', row.user ?? '—'],
    ['Provider', row.provider ?? '—'],
    ['Model', row.model ?? '—'],
    ['Status', String(row.status)],
    ['Cache', row.cache ?? '—'],
    ['Prompt tokens', count(row.prompt_tokens)],
    ['Completion tokens', count(row.completion_tokens)],
    ['Cached tokens', count(row.cached_tokens)],
    ['Cache write tokens', count(row.cache_write_tokens)],
    ['Cost', usd(row.cost_usd)],
    ['Saved', usd(row.saved_usd)],
    ['Saved tokens', count(row.saved_tokens)],
    ['Latency', ms(row.latency_ms)],
  ];
  return (
    <div class="drawer" role="dialog" aria-modal="false" aria-labelledby="drawer-title">
      <header>
        <h2 id="drawer-title">Request {row.id}</h2>
        <button type="button" ref={closeButton} onClick={onClose}>
          Close
        </button>
      </header>
      <dl>
        {fields.map(([name, value]) => (
          <>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </>
        ))}
      </dl>
    </div>
  );
}
