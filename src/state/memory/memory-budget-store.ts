import type { AccountLevel, BudgetAccount, BudgetDecision, BudgetStore } from '../budget-store.js';
import { evictIdle } from './evict-idle.js';

/**
 * Accounts kept before idle ones are dropped (those with nothing spent or held
 * this period). Past it the store grows only by accounts that hold spend, so
 * only by what was really spent: forgetting one would let its budget be spent again.
 */
export const maxAccounts = 100_000;

interface Account {
  spent: number;
  reserved: number;
  endsAt: number;
}

const nothing: AccountLevel = { spent: 0, reserved: 0 };

/**
 * Budget accounts in this process. A reservation checks and holds every
 * account in one synchronous step, so concurrent requests cannot together
 * pass a limit. Accounts whose period has ended are dropped once idle.
 */
export class MemoryBudgetStore implements BudgetStore {
  private readonly accounts = new Map<string, Account>();
  private nextSweep = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly capacityLimit = maxAccounts,
  ) {}

  reserve(amount: number, accounts: readonly BudgetAccount[]): BudgetDecision {
    return this.reserveNow(amount, accounts);
  }

  /** The same as `reserve`, without waiting: a store that stands in for Redis while it is away answers at once. */
  reserveNow(amount: number, accounts: readonly BudgetAccount[]): BudgetDecision {
    this.sweep();
    for (const [index, account] of accounts.entries()) {
      if (account.limit === undefined) continue;
      const level = this.accounts.get(account.id) ?? nothing;
      if (level.spent + level.reserved + amount > account.limit) return { granted: false, denied: index, level: { spent: level.spent, reserved: level.reserved } };
    }
    for (const account of accounts) this.touch(account).reserved += amount;
    return { granted: true };
  }

  settle(reserved: number, actual: number, accounts: readonly BudgetAccount[]): void {
    this.settleNow(reserved, actual, accounts);
  }

  settleNow(reserved: number, actual: number, accounts: readonly BudgetAccount[]): void {
    for (const account of accounts) {
      const held = this.touch(account);
      held.reserved = Math.max(0, held.reserved - reserved);
      held.spent += actual;
    }
  }

  seed(account: BudgetAccount, spent: number): Promise<void> {
    if (!this.accounts.has(account.id)) this.touch(account).spent = spent;
    return Promise.resolve();
  }

  level(account: BudgetAccount): AccountLevel {
    const held = this.accounts.get(account.id);
    return held ? { spent: held.spent, reserved: held.reserved } : nothing;
  }

  /** The account, moved to the back of the map's order: the front holds the ones used least recently. */
  private touch(account: BudgetAccount): Account {
    let held = this.accounts.get(account.id);
    if (held) this.accounts.delete(account.id);
    else {
      if (this.accounts.size >= this.capacityLimit) {
        const now = this.now();
        evictIdle(this.accounts, (idle) => idle.reserved === 0 && (idle.spent === 0 || idle.endsAt <= now));
      }
      held = { spent: 0, reserved: 0, endsAt: account.endsAt };
    }
    this.accounts.set(account.id, held);
    return held;
  }

  /** Drops idle accounts of periods that have ended, at most once a minute. */
  private sweep(): void {
    const now = this.now();
    if (now < this.nextSweep) return;
    this.nextSweep = now + 60_000;
    for (const [id, held] of this.accounts) {
      if (held.endsAt <= now && held.reserved === 0) this.accounts.delete(id);
    }
  }
}
