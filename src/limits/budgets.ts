import type { CostControlConfig } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';
import type { AccountLevel, BudgetAccount, BudgetDecision, BudgetStore } from '../state/budget-store.js';
import type { VirtualKeyRecord } from '../state/key-store.js';
import type { LedgerSpend } from '../usage/ledger.js';
import { userBucketName } from './client-rate-limits.js';

const dayMs = 86_400_000;

/** What a request holds against the budgets until it is settled. */
export interface Reservation {
  readonly amount: number;
  readonly accounts: readonly BudgetAccount[];
  /** The store's name for the hold (Redis), so that settling releases exactly it, once. */
  readonly holdId: string | undefined;
}

/** Who a request is charged to: its key (a virtual key's id, or a client key's hash), its user, and the virtual key's own budget. */
export interface BudgetHolder {
  readonly keyId: string;
  readonly user: string | undefined;
  readonly virtualKey: Pick<VirtualKeyRecord, 'name' | 'budget'> | undefined;
}


/** One account a request is checked against, with what a refusal says of it. */
interface Check {
  account: BudgetAccount;
  name: string;
  setting: string;
  code: string;
  period: 'today' | 'this month';
}

/**
 * The budgets (the whole gateway's day, each key's day, each user's day, and a
 * virtual key's own day and month) and the per-request limit. A request
 * reserves its worst case against every budget that applies in one atomic
 * step of the store (this process's, or Redis shared by every replica), so
 * concurrent requests cannot together pass a limit; when it ends, the
 * reservation becomes the actual cost.
 */
export class Budgets {
  private gatewayDay: { start: number; checks: readonly Check[]; accounts: readonly BudgetAccount[] } | undefined;

  constructor(
    private readonly limits: CostControlConfig,
    private readonly store: BudgetStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether any budget applies to every request; a virtual key's own budget applies to its requests alone (see `appliesTo`). */
  get enabled(): boolean {
    const { daily_limit_usd, per_request_limit_usd, per_key_daily_limit_usd, per_user_daily_limit_usd } = this.limits;
    return [daily_limit_usd, per_request_limit_usd, per_key_daily_limit_usd, per_user_daily_limit_usd].some((limit) => limit !== undefined);
  }

  appliesTo(holder: BudgetHolder): boolean {
    const budget = holder.virtualKey?.budget;
    return this.enabled || budget?.daily_usd !== undefined || budget?.monthly_usd !== undefined;
  }

  /** The whole gateway's spend today, what requests in flight hold, and its daily limit (for the metrics; as this process last saw it). */
  daily(): { spent: number; reserved: number; limit: number | undefined } {
    const level = this.store.level(this.totalAccount(this.now()));
    return { spent: level.spent, reserved: level.reserved, limit: this.limits.daily_limit_usd };
  }

  /**
   * A key's day as the store holds it (for the admin API), with the limit the
   * key is held to: the smaller of `per_key_daily_limit_usd` and its own daily
   * budget. Undefined when neither applies: the store then holds no day for it.
   */
  keyToday(keyId: string, ownDailyLimit: number | undefined): { limit: number; spent: number; reserved: number } | undefined {
    const limit = smaller(this.limits.per_key_daily_limit_usd, ownDailyLimit);
    if (limit === undefined) return undefined;
    return { limit, ...this.store.level(dayAccount(this.now(), `key:${keyId}`, limit)) };
  }

  /** The start of the current UTC day, in Unix ms: where the ledger's spend is read from. */
  static todayStart(now: number = Date.now()): number {
    return dayStart(now);
  }

  /** The start of the current UTC month, in Unix ms. */
  static monthStart(now: number = Date.now()): number {
    const date = new Date(now);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  }

  /**
   * Gives the store the ledger's spend (today's, and this month's for keys
   * with a monthly budget) for accounts it does not hold yet: a restart does
   * not forget what was spent.
   */
  async seed(today: LedgerSpend, month: LedgerSpend, monthlyKeyIds: Iterable<string>): Promise<void> {
    const now = this.now();
    const seeds: Array<Promise<void>> = [this.store.seed(this.totalAccount(now), today.total)];
    // A virtual key (`key_…`) may carry its own daily budget, whether or not every key has one.
    const everyKeyHeld = this.limits.per_key_daily_limit_usd !== undefined;
    for (const [keyId, spent] of today.byKey) {
      if (everyKeyHeld || keyId.startsWith('key_')) seeds.push(this.store.seed(dayAccount(now, `key:${keyId}`, undefined), spent));
    }
    if (this.limits.per_user_daily_limit_usd !== undefined) {
      for (const { keyId, user, spent } of today.byKeyUser) seeds.push(this.store.seed(dayAccount(now, userAccountName(keyId, user), undefined), spent));
    }
    for (const keyId of monthlyKeyIds) seeds.push(this.store.seed(monthAccount(now, keyId, undefined), month.byKey.get(keyId) ?? 0));
    await Promise.all(seeds);
  }

  /** Reserves `amount` against every budget that applies, or throws a 429 naming the one it would pass; at once with a store in this process. */
  reserve(amount: number, holder: BudgetHolder): Reservation | Promise<Reservation> {
    // The amount comes from client-sized numbers: one that is not a finite cost is a bug upstream of here, and must not switch budgets off.
    if (!Number.isFinite(amount) || amount < 0) throw new Error(`a budget reservation must be a finite, non-negative cost, not ${amount}`);
    const { per_request_limit_usd: perRequest } = this.limits;
    if (perRequest !== undefined && amount > perRequest) {
      throw exceeded(
        `This request could cost up to ${usd(amount)}, over the per-request limit of ${usd(perRequest)} (cost_control.per_request_limit_usd); lower max_tokens or shorten the prompt.`,
        'per_request_limit_exceeded',
      );
    }
    const { checks, accounts } = this.checksFor(holder, this.now());
    const decided = this.store.reserve(amount, accounts);
    const held = (decision: BudgetDecision): Reservation => {
      if (!decision.granted) throw refusal(checks[decision.denied] as Check, decision.level, amount);
      return { amount, accounts, holdId: decision.holdId };
    };
    return decided instanceof Promise ? decided.then(held) : held(decided);
  }

  /** Turns a reservation into what the request cost (0 when it failed or its price is unknown); a cost that is no number charges the whole reservation. */
  settle(reservation: Reservation, actual: number): void | Promise<void> {
    const charged = Number.isFinite(actual) && actual >= 0 ? actual : reservation.amount;
    return this.store.settle(reservation.amount, charged, reservation.accounts, reservation.holdId);
  }

  private checksFor(holder: BudgetHolder, now: number): { checks: readonly Check[]; accounts: readonly BudgetAccount[] } {
    const { per_key_daily_limit_usd, per_user_daily_limit_usd } = this.limits;
    const own = holder.virtualKey?.budget;
    const total = this.totalCheck(now);
    // Most requests are held to the gateway's day alone: its check is made once a day, not per request.
    if (per_key_daily_limit_usd === undefined && (per_user_daily_limit_usd === undefined || holder.user === undefined) && own === undefined) return total;
    const checks: Check[] = [...total.checks];
    const keyName = holder.virtualKey?.name;
    const keyDaily = smaller(per_key_daily_limit_usd, own?.daily_usd);
    if (keyDaily !== undefined) {
      const fromKey = own?.daily_usd === keyDaily;
      checks.push({
        account: dayAccount(now, `key:${holder.keyId}`, keyDaily),
        name: fromKey ? `The daily budget of key "${keyName}"` : 'This API key’s daily budget',
        setting: fromKey ? `the key's budget.daily_usd` : 'cost_control.per_key_daily_limit_usd',
        code: fromKey ? 'key_daily_budget_exceeded' : 'per_key_daily_limit_exceeded',
        period: 'today',
      });
    }
    if (own?.monthly_usd !== undefined) {
      checks.push({
        account: monthAccount(now, holder.keyId, own.monthly_usd),
        name: `The monthly budget of key "${keyName}"`,
        setting: `the key's budget.monthly_usd`,
        code: 'key_monthly_budget_exceeded',
        period: 'this month',
      });
    }
    if (holder.user !== undefined && per_user_daily_limit_usd !== undefined) {
      checks.push({
        account: dayAccount(now, userAccountName(holder.keyId, holder.user), per_user_daily_limit_usd),
        name: `The daily budget of user "${holder.user}"`,
        setting: 'cost_control.per_user_daily_limit_usd',
        code: 'per_user_daily_limit_exceeded',
        period: 'today',
      });
    }
    return { checks, accounts: checks.map((check) => check.account) };
  }

  /** The gateway's own day, always held, limited or not: the metrics read it. */
  private totalCheck(now: number): { checks: readonly Check[]; accounts: readonly BudgetAccount[] } {
    const start = dayStart(now);
    if (this.gatewayDay?.start !== start) {
      const account = this.totalAccount(now);
      const check: Check = { account, name: 'The gateway’s daily budget', setting: 'cost_control.daily_limit_usd', code: 'daily_limit_exceeded', period: 'today' };
      this.gatewayDay = { start, checks: [check], accounts: [account] };
    }
    return this.gatewayDay;
  }

  private totalAccount(now: number): BudgetAccount {
    return dayAccount(now, 'total', this.limits.daily_limit_usd);
  }
}

/** A user is one of its key's users (another tenant naming the same user has a budget of its own), named as its rate-limit buckets are. */
function userAccountName(keyId: string, user: string): string {
  return `user:${keyId}:${userBucketName(user)}`;
}

function dayAccount(now: number, who: string, limit: number | undefined): BudgetAccount {
  const start = dayStart(now);
  return { id: `day:${dayLabel(start)}:${who}`, limit, endsAt: start + dayMs };
}

/** The day's date as account ids write it, worked out once a day rather than on every request. */
let labelledDay = { start: Number.NaN, label: '' };
function dayLabel(start: number): string {
  if (labelledDay.start !== start) labelledDay = { start, label: new Date(start).toISOString().slice(0, 10) };
  return labelledDay.label;
}

function monthAccount(now: number, keyId: string, limit: number | undefined): BudgetAccount {
  const start = new Date(Budgets.monthStart(now));
  const end = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
  return { id: `month:${start.toISOString().slice(0, 7)}:key:${keyId}`, limit, endsAt: end };
}

function smaller(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined || a <= b ? a : b;
}

function dayStart(now: number): number {
  return now - (now % dayMs);
}

function usd(amount: number): string {
  return `$${amount.toFixed(amount < 1 ? 6 : 2)}`;
}

function refusal(check: Check, level: AccountLevel, amount: number): GatewayError {
  return exceeded(
    `${check.name} of ${usd(check.account.limit ?? 0)} (${check.setting}) would be passed: ${usd(level.spent)} spent ${check.period} and ${usd(level.reserved)} held by requests in flight, ` +
      `and this request could cost up to ${usd(amount)}. It resets at ${new Date(check.account.endsAt).toISOString()}.`,
    check.code,
  );
}

function exceeded(message: string, code: string): GatewayError {
  return new GatewayError(429, message, { type: 'budget_exceeded', code });
}
