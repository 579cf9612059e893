import type { AccountLevel, BudgetAccount, BudgetDecision, BudgetStore } from '../budget-store.js';
import { MemoryBudgetStore, maxAccounts } from '../memory/memory-budget-store.js';
import { replicaShare, stateUnavailable, type FallbackOptions, type SharedStateLink } from './fallback-policy.js';

/** The shared store, able to release a different amount on each account (RedisBudgetStore). */
export interface SharedBudgetStore extends BudgetStore {
  settleEach(releases: readonly number[], actual: number, accounts: readonly BudgetAccount[]): Promise<void>;
}

/** What Redis must still be told of an account once it is back. */
interface Owed {
  readonly account: BudgetAccount;
  /** Spend made while Redis was away. */
  spent: number;
  /** Reservations this process held in Redis and released while it was away. */
  release: number;
}

/**
 * Budgets in Redis while it answers; while it does not (or a command fails),
 * `state.when_unreachable` decides: `local` reserves in this process against
 * this replica's share of what was left (the limit less the spend last seen,
 * divided by the replicas last seen), `open` grants, `closed` refuses with 503.
 * Whatever the setting, spend settled meanwhile is owed to Redis and added to
 * its accounts when it returns, with the reservations this process held
 * there released, so that the shared totals are right again.
 */
export class FallbackBudgetStore implements BudgetStore {
  private local = new MemoryBudgetStore();
  /** Per account, what this process has reserved in Redis and not yet released: a settlement releases there only that. */
  private readonly heldShared = new Map<string, number>();
  private readonly owed = new Map<string, Owed>();
  /** Ledger spend seeded while Redis was away, to seed Redis with on its return. */
  private readonly owedSeeds = new Map<string, { account: BudgetAccount; spent: number }>();
  private resynchronising: Promise<void> = Promise.resolve();

  constructor(
    private readonly shared: SharedBudgetStore,
    private readonly link: SharedStateLink,
    private readonly options: FallbackOptions,
  ) {
    link.onReachability((reachable) => {
      if (reachable) this.resynchronising = this.resynchronise();
    });
  }

  async reserve(amount: number, accounts: readonly BudgetAccount[]): Promise<BudgetDecision> {
    if (this.link.reachable) {
      try {
        const decision = await this.shared.reserve(amount, accounts);
        if (decision.granted) for (const account of accounts) this.hold(account.id, amount);
        return decision;
      } catch (error) {
        this.options.failures.failed('budget reservation', error);
      }
    }
    switch (this.options.whenUnreachable) {
      case 'closed':
        throw stateUnavailable();
      case 'open':
        return { granted: true };
      case 'local':
        return this.reserveLocally(amount, accounts);
    }
  }

  async settle(reserved: number, actual: number, accounts: readonly BudgetAccount[]): Promise<void> {
    const releases = accounts.map((account) => this.release(account.id, reserved));
    if (this.link.reachable) {
      try {
        await this.shared.settleEach(releases, actual, accounts);
        // A reservation made locally before Redis returned is released where it was held.
        accounts.forEach((account, index) => {
          const heldLocally = reserved - (releases[index] as number);
          if (heldLocally > 0) this.local.settleNow(heldLocally, 0, [account]);
        });
        return;
      } catch (error) {
        this.options.failures.failed('budget settlement', error);
      }
    }
    accounts.forEach((account, index) => {
      const release = releases[index] as number;
      this.owe(account, actual, release);
      this.local.settleNow(reserved - release, actual, [account]);
    });
  }

  async seed(account: BudgetAccount, spent: number): Promise<void> {
    if (this.link.reachable) {
      try {
        await this.shared.seed(account, spent);
        return;
      } catch (error) {
        this.options.failures.failed('budget seed', error);
      }
    }
    if (!this.owedSeeds.has(account.id) && this.owedSeeds.size < maxAccounts) this.owedSeeds.set(account.id, { account, spent });
    await this.local.seed(account, spent);
  }

  level(account: BudgetAccount): AccountLevel {
    const seen = this.shared.level(account);
    if (this.link.reachable) return seen;
    const local = this.local.level(account);
    return { spent: seen.spent + local.spent, reserved: local.reserved };
  }

  /** Settles once the last return of Redis has been caught up with (for tests and shutdown). */
  whenResynchronised(): Promise<void> {
    return this.resynchronising;
  }

  private reserveLocally(amount: number, accounts: readonly BudgetAccount[]): BudgetDecision {
    const replicas = this.options.replicas();
    const shares = accounts.map((account) =>
      account.limit === undefined ? account : { ...account, limit: replicaShare(Math.max(0, account.limit - this.shared.level(account).spent), replicas) },
    );
    const decision = this.local.reserveNow(amount, shares);
    if (decision.granted) return decision;
    // Reported as the whole account stands as far as this replica knows: the spend last seen in Redis and its own since.
    const seen = this.shared.level(accounts[decision.denied] as BudgetAccount);
    return { granted: false, denied: decision.denied, level: { spent: seen.spent + decision.level.spent, reserved: decision.level.reserved } };
  }

  /** Pushes what Redis missed: ledger seeds first (a seed only lands on an account Redis does not hold yet), then spend. The local accounts are dropped once Redis has it all. */
  private async resynchronise(): Promise<void> {
    try {
      for (const [id, { account, spent }] of this.owedSeeds) {
        await this.shared.seed(account, spent);
        this.owedSeeds.delete(id);
      }
      // Settlements that come in meanwhile add to what is owed: go round until nothing is.
      while (this.owed.size > 0 && this.link.reachable) {
        for (const [id, owed] of this.owed) {
          const { spent, release } = owed;
          await this.shared.settleEach([release], spent, [owed.account]);
          owed.spent -= spent;
          owed.release -= release;
          if (owed.spent === 0 && owed.release === 0) this.owed.delete(id);
        }
      }
      this.local = new MemoryBudgetStore();
    } catch (error) {
      // Redis went again: what is still owed waits for its next return.
      this.options.failures.failed('budget resynchronisation', error);
    }
  }

  private hold(id: string, amount: number): void {
    const held = this.heldShared.get(id) ?? 0;
    this.heldShared.delete(id);
    // Bounded by the requests in flight; the bound only matters if settlements went missing.
    if (this.heldShared.size >= maxAccounts) this.heldShared.delete(this.heldShared.keys().next().value as string);
    this.heldShared.set(id, held + amount);
  }

  /** The part of a reservation that was held in Redis (the rest was held locally while Redis was away). */
  private release(id: string, reserved: number): number {
    const held = this.heldShared.get(id);
    if (held === undefined) return 0;
    const release = Math.min(held, reserved);
    const left = held - release;
    if (left <= 0) this.heldShared.delete(id);
    else this.heldShared.set(id, left);
    return release;
  }

  private owe(account: BudgetAccount, spent: number, release: number): void {
    const owed = this.owed.get(account.id);
    if (owed) {
      owed.spent += spent;
      owed.release += release;
      return;
    }
    // Bounded like the memory store; an outage touching more accounts than that loses the oldest's spend in Redis (each replica's ledger still has it).
    if (this.owed.size >= maxAccounts) this.owed.delete(this.owed.keys().next().value as string);
    this.owed.set(account.id, { account, spent, release });
  }
}
