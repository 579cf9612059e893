import type { LedgerSpend } from './ledger.js';

/** Known spend per key and user, as both backends read it from their rows. */
export interface KeyUserSpend {
  keyId: string;
  user: string | null;
  cost: number;
}

/** Folds the per key-and-user sums into the totals budgets resume from. */
export function ledgerSpendOf(rows: readonly KeyUserSpend[]): LedgerSpend {
  const byKey = new Map<string, number>();
  const byKeyUser: LedgerSpend['byKeyUser'] = [];
  let total = 0;
  for (const { keyId, user, cost } of rows) {
    total += cost;
    byKey.set(keyId, (byKey.get(keyId) ?? 0) + cost);
    if (user !== null) byKeyUser.push({ keyId, user, spent: cost });
  }
  return { total, byKey, byKeyUser };
}
