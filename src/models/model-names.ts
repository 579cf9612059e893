const month = '(?:0[1-9]|1[0-2])';
const day = '(?:0[1-9]|[12]\\d|3[01])';
/**
 * How providers name a dated snapshot or an alias of a model: `-2025-04-14`
 * (OpenAI), `-20250929` (Anthropic), `-0613`/`-0709` (OpenAI's and xAI's older
 * month-day snapshots), `-latest`, and `@20250805` (Vertex AI).
 */
const snapshotSuffix = new RegExp(`(?:-20\\d\\d-${month}-${day}|-20\\d\\d${month}${day}|-${month}${day}|-latest|@20\\d\\d${month}${day}|@latest)$`);

/**
 * The model a dated snapshot or alias stands for (`claude-opus-4-1@20250805`
 * is `claude-opus-4-1`); a name without such a suffix is itself. Never a
 * prefix guess: `grok-4-fast` is not `grok-4`.
 */
export function undatedModelName(model: string): string {
  return model.replace(snapshotSuffix, '');
}
