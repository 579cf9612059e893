import type { AccountLevel, BudgetAccount, BudgetDecision } from '../../src/state/budget-store.js';
import type { BucketDraw, DrawDecision, LimitStore } from '../../src/state/limit-store.js';
import { MemoryBudgetStore } from '../../src/state/memory/memory-budget-store.js';
import { MemoryLimitStore } from '../../src/state/memory/memory-limit-store.js';
import type { SharedBudgetStore } from '../../src/state/redis/fallback-budget-store.js';
import type { SharedStateLink } from '../../src/state/redis/fallback-policy.js';
import type { ReachabilityListener } from '../../src/state/redis/redis-connection.js';

/** A connection whose reachability the test sets, telling the listeners as RedisConnection does. */
export class FakeLink implements SharedStateLink {
  reachable = true;
  private readonly listeners: ReachabilityListener[] = [];

  onReachability(listener: ReachabilityListener): void {
    this.listeners.push(listener);
  }

  set(reachable: boolean): void {
    this.reachable = reachable;
    for (const listener of this.listeners) listener(reachable);
  }
}

const commandFailed = (): Error => new Error('Command timed out');

/** Stands in for Redis's buckets; `failing` makes every call reject, as a command that times out. */
export class FakeSharedLimits implements LimitStore {
  readonly store = new MemoryLimitStore();
  failing = false;

  async draw(draws: readonly BucketDraw[]): Promise<DrawDecision> {
    if (this.failing) throw commandFailed();
    return this.store.drawNow(draws);
  }

  async adjust(draws: readonly BucketDraw[]): Promise<void> {
    if (this.failing) throw commandFailed();
    this.store.adjustNow(draws);
  }
}

/** Stands in for Redis's accounts; `failing` makes every call reject. */
export class FakeSharedBudgets implements SharedBudgetStore {
  /** What Redis holds; other replicas reserve here directly. */
  readonly store = new MemoryBudgetStore();
  failing = false;

  async reserve(amount: number, accounts: readonly BudgetAccount[]): Promise<BudgetDecision> {
    if (this.failing) throw commandFailed();
    return this.store.reserveNow(amount, accounts);
  }

  settle(reserved: number, actual: number, accounts: readonly BudgetAccount[]): Promise<void> {
    return this.settleEach(
      accounts.map(() => reserved),
      actual,
      accounts,
    );
  }

  async settleEach(releases: readonly number[], actual: number, accounts: readonly BudgetAccount[]): Promise<void> {
    if (this.failing) throw commandFailed();
    accounts.forEach((account, index) => this.store.settleNow(releases[index] ?? 0, actual, [account]));
  }

  async seed(account: BudgetAccount, spent: number): Promise<void> {
    if (this.failing) throw commandFailed();
    await this.store.seed(account, spent);
  }

  level(account: BudgetAccount): AccountLevel {
    return this.store.level(account);
  }
}
