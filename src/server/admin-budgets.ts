import type { ServerResponse } from 'node:http';
import type { Gateway } from '../gateway/create-gateway.js';
import { Budgets } from '../limits/budgets.js';
import { sendJson } from './respond.js';

/** Keys with spend today listed at most, the largest first: client keys are many when each client has its own. */
const maxKeysListed = 1000;

interface KeyBudget {
  key: string;
  key_id: string;
  daily_limit_usd: number | null;
  spent_usd: number;
  reserved_usd: number;
}

/**
 * `GET /admin/budgets`: today's spend against the limits the gateway enforces.
 * Spend on a budget comes from the budget store (this process's, or Redis as
 * this replica last saw it), which the gateway decides with; a key with no
 * daily budget is not held there, so its spend is the ledger's.
 */
export async function sendBudgets(res: ServerResponse, gateway: Gateway, keyId?: string): Promise<void> {
  const { budgets, keys, ledger } = gateway.runtime;
  const dayStart = Budgets.todayStart();
  const gatewayDay = budgets.daily();
  const perKey = new Map<string, KeyBudget>();
  const describe = (keyId: string, name: string | null, ownLimit: number | undefined, ledgerSpent: number): KeyBudget => {
    const held = budgets.keyToday(keyId, ownLimit);
    return { key: name ?? keyId, key_id: keyId, daily_limit_usd: held?.limit ?? null, spent_usd: held?.spent ?? ledgerSpent, reserved_usd: held?.reserved ?? 0 };
  };
  const spentByKey = await ledger.queries.spendByKey(dayStart, maxKeysListed);
  const records = new Map((await keys.list()).map((record) => [record.id, record]));
  for (const { keyId, keyName, spent } of spentByKey) perKey.set(keyId, describe(keyId, records.get(keyId)?.name ?? keyName, records.get(keyId)?.budget?.daily_usd, spent));
  for (const record of records.values()) {
    if (!perKey.has(record.id) && keys.statusOf(record) === 'active') perKey.set(record.id, describe(record.id, record.name, record.budget?.daily_usd, 0));
  }
  if (keyId !== undefined) return sendOwnBudget(res, dayStart, perKey.get(keyId));
  sendJson(res, 200, {
    object: 'budgets',
    day_start: new Date(dayStart).toISOString(),
    daily_limit_usd: gatewayDay.limit ?? null,
    spent_today_usd: gatewayDay.spent,
    reserved_today_usd: gatewayDay.reserved,
    per_key: [...perKey.values()].sort((a, b) => b.spent_usd - a.spent_usd || a.key.localeCompare(b.key)),
  });
}

/** What a virtual key reading its own usage is shown: its own day, in the gateway-wide fields too (it is not told the gateway's). */
function sendOwnBudget(res: ServerResponse, dayStart: number, own: KeyBudget | undefined): void {
  sendJson(res, 200, {
    object: 'budgets',
    day_start: new Date(dayStart).toISOString(),
    daily_limit_usd: own?.daily_limit_usd ?? null,
    spent_today_usd: own?.spent_usd ?? 0,
    reserved_today_usd: own?.reserved_usd ?? 0,
    per_key: own ? [own] : [],
  });
}
