/**
 * Appends a turn, merging it into the last one when both have the same role:
 * Anthropic and Gemini want roles to alternate, so consecutive tool results or
 * user messages travel as one turn.
 */
export function appendTurn<T extends { role: string }>(turns: T[], next: T, blocksOf: (turn: T) => unknown[]): void {
  const last = turns.at(-1);
  if (last && last.role === next.role) blocksOf(last).push(...blocksOf(next));
  else turns.push(next);
}
