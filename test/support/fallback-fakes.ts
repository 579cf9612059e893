import type { AccountLevel, BudgetAccount, BudgetDecision } from '../../src/state/budget-store.js';
import type { BucketDraw, DrawDecision, LimitStore } from '../../src/state/limit-store.js';
import { MemoryBudgetStore } from '../../src/state/memory/memory-budget-store.js';
import { MemoryLimitStore } from '../../src/state/memory/memory-limit-store.js';
import type { SharedBudgetStore } from '../../src/state/redis/fallback-budget-store.js';
import type { HoldSettlement } from '../../src/state/redis/redis-budget-store.js';
import type { SharedStateLink } from '../../src/state/redis/fallback-policy.js';
import type { ReachabilityListener } from '../../src/state/redis/redis-connection.js';

/** A connection whose reachability the test sets, telling the listeners as RedisConnection does. */
export class FakeLink implements SharedStateLink {
  reachable = true;
  private readonly listeners: ReachabilityListener[] = [];

  onReachability(listener: ReachabilityListener): void {
    this.listeners.push(listener);
  }

  /** Errors the stores reported, as they report them to RedisConnection. */
  readonly noted: unknown[] = [];

  noteFailure(error: unknown): void {
    this.noted.push(error);
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

/**
 * Stands in for Redis's accounts, holds named as RedisBudgetStore names them.
 * `failing` makes every call reject without running; `timesOutAfterRunning`
 * makes it run, then reject as a command Redis ran after the client gave up.
 */
export class FakeSharedBudgets implements SharedBudgetStore {
  /** What Redis holds; other replicas reserve here directly. */
  readonly store = new MemoryBudgetStore();
  failing = false;
  timesOutAfterRunning = false;
  private readonly holds = new Map<string, number>();
  private readonly chargedOnce = new Set<string>();

  async reserve(amount: number, accounts: readonly BudgetAccount[], holdId: string): Promise<BudgetDecision> {
    return this.run(() => {
      const decision = this.store.reserveNow(amount, accounts);
      if (decision.granted) for (const account of accounts) this.holds.set(`${account.id} ${holdId}`, amount);
      return decision;
    });
  }

  async settle(reserved: number, actual: number, accounts: readonly BudgetAccount[]): Promise<void> {
    await this.settleHold({ holdId: undefined, reserved, actual, once: false }, accounts);
  }

  async settleHold({ holdId, reserved, actual, once }: HoldSettlement, accounts: readonly BudgetAccount[]): Promise<boolean[]> {
    return this.run(() =>
      accounts.map((account) => {
        if (holdId === undefined) {
          this.store.settleNow(reserved, actual, [account]);
          return true;
        }
        const key = `${account.id} ${holdId}`;
        const held = this.holds.get(key);
        this.holds.delete(key);
        const charge = once ? !this.chargedOnce.has(key) : held !== undefined;
        if (once) this.chargedOnce.add(key);
        this.store.settleNow(held ?? 0, charge ? actual : 0, [account]);
        return once || held !== undefined;
      }),
    );
  }

  async seed(account: BudgetAccount, spent: number): Promise<void> {
    await this.run(() => this.store.seed(account, spent));
  }

  level(account: BudgetAccount): AccountLevel {
    return this.store.level(account);
  }

  private run<T>(command: () => T): T {
    if (this.failing) throw commandFailed();
    const result = command();
    if (this.timesOutAfterRunning) throw commandFailed();
    return result;
  }
}
