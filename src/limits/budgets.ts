import type { CostControlConfig } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';

const dayMs = 86_400_000;
/** Accounts kept per kind (keys, users). Past it, the idle account used least recently is forgotten first. */
export const maxAccounts = 100_000;

/** Spent and reserved within one budget, for the current UTC day. */
interface Account {
  spent: number;
  reserved: number;
}

export interface Reservation {
  amount: number;
  keyId: string;
  user: string | undefined;
}

export interface SpendToday {
  total: number;
  byKey: Map<string, number>;
  byUser: Map<string, number>;
}

/**
 * The daily budgets (the whole gateway, each key, each user) and the
 * per-request limit. A request reserves its worst case against every budget
 * that applies in one synchronous step, so concurrent requests cannot together
 * pass a limit; when it ends, the reservation becomes the actual cost.
 */
export class Budgets {
  private day: number;
  private total: Account = { spent: 0, reserved: 0 };
  private keys = new Map<string, Account>();
  private users = new Map<string, Account>();

  constructor(
    private readonly limits: CostControlConfig,
    spendToday: SpendToday,
    private readonly now: () => number = Date.now,
  ) {
    this.day = dayStart(now());
    this.total.spent = spendToday.total;
    for (const [key, spent] of spendToday.byKey) this.keys.set(key, { spent, reserved: 0 });
    for (const [user, spent] of spendToday.byUser) this.users.set(user, { spent, reserved: 0 });
  }

  get enabled(): boolean {
    const { daily_limit_usd, per_request_limit_usd, per_key_daily_limit_usd, per_user_daily_limit_usd } = this.limits;
    return [daily_limit_usd, per_request_limit_usd, per_key_daily_limit_usd, per_user_daily_limit_usd].some((limit) => limit !== undefined);
  }

  /** The whole gateway's spend today, what requests in flight hold, and its daily limit (for the metrics). */
  daily(): { spent: number; reserved: number; limit: number | undefined } {
    this.rollOver();
    return { spent: this.total.spent, reserved: this.total.reserved, limit: this.limits.daily_limit_usd };
  }

  /** The start of the current UTC day, in Unix ms: where the ledger's spend is read from. */
  static todayStart(now: number = Date.now()): number {
    return dayStart(now);
  }

  /** Reserves `amount` against every budget that applies, or throws a 429 naming the one it would pass. */
  reserve(amount: number, keyId: string, user: string | undefined): Reservation {
    // The amount comes from client-sized numbers: one that is not a finite cost is a bug upstream of here, and must not switch budgets off.
    if (!Number.isFinite(amount) || amount < 0) throw new Error(`a budget reservation must be a finite, non-negative cost, not ${amount}`);
    this.rollOver();
    const { per_request_limit_usd: perRequest } = this.limits;
    if (perRequest !== undefined && amount > perRequest) {
      throw exceeded(
        `This request could cost up to ${usd(amount)}, over the per-request limit of ${usd(perRequest)} (cost_control.per_request_limit_usd); lower max_tokens or shorten the prompt.`,
        'per_request_limit_exceeded',
      );
    }
    const checks: Array<[Account, number | undefined, string, string]> = [
      [this.total, this.limits.daily_limit_usd, 'The gateway’s daily budget', 'daily_limit_usd'],
      [account(this.keys, keyId), this.limits.per_key_daily_limit_usd, 'This API key’s daily budget', 'per_key_daily_limit_usd'],
    ];
    if (user !== undefined) checks.push([account(this.users, user), this.limits.per_user_daily_limit_usd, `The daily budget of user "${user}"`, 'per_user_daily_limit_usd']);
    for (const [budget, limit, name, setting] of checks) {
      if (limit !== undefined && budget.spent + budget.reserved + amount > limit) {
        throw exceeded(
          `${name} of ${usd(limit)} (cost_control.${setting}) would be passed: ${usd(budget.spent)} spent today and ${usd(budget.reserved)} held by requests in flight, ` +
            `and this request could cost up to ${usd(amount)}. It resets at ${new Date(this.day + dayMs).toISOString()}.`,
          setting.replace('_usd', '_exceeded'),
        );
      }
    }
    for (const [budget] of checks) budget.reserved += amount;
    return { amount, keyId, user };
  }

  /** Turns a reservation into what the request cost (0 when it failed or its price is unknown); a cost that is no number charges the whole reservation. */
  settle(reservation: Reservation, actual: number): void {
    const charged = Number.isFinite(actual) && actual >= 0 ? actual : reservation.amount;
    this.rollOver();
    const budgets = [this.total, account(this.keys, reservation.keyId)];
    if (reservation.user !== undefined) budgets.push(account(this.users, reservation.user));
    for (const budget of budgets) {
      budget.reserved = Math.max(0, budget.reserved - reservation.amount);
      budget.spent += charged;
    }
  }

  /** A new UTC day starts every budget from nothing; reservations in flight carry over, idle accounts are dropped. */
  private rollOver(): void {
    const today = dayStart(this.now());
    if (today === this.day) return;
    this.day = today;
    this.total.spent = 0;
    for (const accounts of [this.keys, this.users]) {
      for (const [id, budget] of accounts) {
        if (budget.reserved === 0) accounts.delete(id);
        else budget.spent = 0;
      }
    }
  }
}

/** The account, moved to the back of the map's order: the front holds the ones used least recently. */
function account(accounts: Map<string, Account>, id: string): Account {
  let found = accounts.get(id);
  if (found) accounts.delete(id);
  else {
    if (accounts.size >= maxAccounts) forgetLeastRecentlyUsed(accounts);
    found = { spent: 0, reserved: 0 };
  }
  accounts.set(id, found);
  return found;
}

/**
 * Keeps the map bounded when clients present ever new keys or user names:
 * drops the idle account used least recently (the gateway's daily budget still
 * counts what it spent). Accounts with requests in flight are never dropped.
 */
function forgetLeastRecentlyUsed(accounts: Map<string, Account>): void {
  for (const [id, budget] of accounts) {
    if (budget.reserved !== 0) continue;
    accounts.delete(id);
    return;
  }
}

function dayStart(now: number): number {
  return now - (now % dayMs);
}

function usd(amount: number): string {
  return `$${amount.toFixed(amount < 1 ? 6 : 2)}`;
}

function exceeded(message: string, code: string): GatewayError {
  return new GatewayError(429, message, { type: 'budget_exceeded', code });
}
