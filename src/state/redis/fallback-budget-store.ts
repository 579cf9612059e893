import { randomUUID } from 'node:crypto';
import type { AccountLevel, BudgetAccount, BudgetDecision, BudgetStore } from '../budget-store.js';
import { MemoryBudgetStore, maxAccounts } from '../memory/memory-budget-store.js';
import { replicaShare, stateUnavailable, type FallbackOptions, type SharedStateLink } from './fallback-policy.js';
import type { HoldSettlement } from './redis-budget-store.js';

/** The shared store (RedisBudgetStore): reservations as named holds, settled by name. */
export interface SharedBudgetStore extends Omit<BudgetStore, 'reserve'> {
  reserve(amount: number, accounts: readonly BudgetAccount[], holdId: string): Promise<BudgetDecision>;
  settleHold(settlement: HoldSettlement, accounts: readonly BudgetAccount[]): Promise<boolean[]>;
}

/** Where a granted reservation is held, until it is settled. */
interface Hold {
  /** `maybe`: the reservation timed out, and Redis may have run it after all. */
  readonly inRedis: 'yes' | 'maybe' | 'no';
  readonly heldLocally: boolean;
}

/** A settlement Redis has not confirmed: made while it was away, or timed out. */
interface Unsettled {
  readonly accounts: readonly BudgetAccount[];
  readonly actual: number;
  readonly once: boolean;
  /** An earlier attempt may have run: then a hold not found was released by it. */
  attempted: boolean;
}

/** Spend Redis has not been charged with (made against local reservations), and the push under way. */
interface Owed {
  readonly account: BudgetAccount;
  spent: number;
  /** Sent again under the same id until Redis confirms it, so that a push that timed out but ran counts once. */
  push: { readonly id: string; readonly spent: number } | undefined;
}

/**
 * Budgets in Redis while it answers; while it does not (or a command fails),
 * `state.when_unreachable` decides: `local` reserves in this process against
 * this replica's share of what was left (the limit less the spend last seen,
 * divided by the replicas last seen), `open` grants, `closed` refuses with 503.
 *
 * Every reservation is a hold with an id, settled by that id: in Redis
 * whenever it answers (a no-op where Redis never held it), so that a
 * reservation that timed out but ran in Redis later is still released. Spend
 * Redis did not take (settled while it was away, or against a local
 * reservation) is owed and pushed to it under an id of its own, which Redis
 * counts once however often it is sent.
 */
export class FallbackBudgetStore implements BudgetStore {
  private local = new MemoryBudgetStore();
  /** The requests in flight. */
  private readonly holds = new Map<string, Hold>();
  private readonly unsettled = new Map<string, Unsettled>();
  private readonly owed = new Map<string, Owed>();
  /** Ledger spend seeded while Redis was away, to seed Redis with on its return. */
  private readonly owedSeeds = new Map<string, { account: BudgetAccount; spent: number }>();
  private catchingUp: Promise<void> = Promise.resolve();

  constructor(
    private readonly shared: SharedBudgetStore,
    private readonly link: SharedStateLink,
    private readonly options: FallbackOptions,
  ) {
    link.onReachability((reachable) => {
      if (reachable) this.catchUpSoon(true);
    });
  }

  async reserve(amount: number, accounts: readonly BudgetAccount[]): Promise<BudgetDecision> {
    const holdId = randomUUID();
    let sent = false;
    if (this.link.reachable) {
      try {
        const decision = await this.shared.reserve(amount, accounts, holdId);
        if (decision.granted) this.track(holdId, { inRedis: 'yes', heldLocally: false });
        return decision.granted ? { granted: true, holdId } : decision;
      } catch (error) {
        this.failed('budget reservation', error);
        sent = true;
      }
    }
    const decision = this.reserveUnshared(amount, accounts);
    if (decision.granted) this.track(holdId, { inRedis: sent ? 'maybe' : 'no', heldLocally: this.options.whenUnreachable === 'local' });
    // Refused here, but Redis may hold it yet: release it there when it answers.
    else if (sent) this.remember(holdId, { accounts, actual: 0, once: false, attempted: false });
    return decision.granted ? { granted: true, holdId } : decision;
  }

  async settle(reserved: number, actual: number, accounts: readonly BudgetAccount[], holdId?: string): Promise<void> {
    // Every reservation this store grants has an id; one without is none of its own, and is settled here alone.
    if (holdId === undefined) return this.settleUnshared(reserved, actual, accounts);
    // A hold forgotten (past the bound) is settled as one Redis made: charged there if Redis has it, else owed.
    const hold = this.holds.get(holdId) ?? { inRedis: 'yes', heldLocally: false };
    this.holds.delete(holdId);
    if (hold.inRedis === 'no') {
      this.settleUnshared(hold.heldLocally ? reserved : 0, actual, accounts);
      return;
    }
    const settlement: Unsettled = { accounts, actual, once: hold.inRedis === 'maybe', attempted: false };
    if (this.link.reachable) {
      try {
        const charged = await this.shared.settleHold({ holdId, reserved: 0, actual, once: settlement.once }, accounts);
        if (hold.heldLocally) this.local.settleNow(reserved, 0, accounts);
        this.oweWhereUncharged(accounts, charged, actual);
        return;
      } catch (error) {
        this.failed('budget settlement', error);
        settlement.attempted = true;
      }
    }
    this.remember(holdId, settlement);
    this.local.settleNow(hold.heldLocally ? reserved : 0, actual, accounts);
  }

  async seed(account: BudgetAccount, spent: number): Promise<void> {
    if (this.link.reachable) {
      try {
        await this.shared.seed(account, spent);
        return;
      } catch (error) {
        this.failed('budget seed', error);
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

  /** Settles once what Redis is owed so far has been pushed, or Redis went again meanwhile (for tests). */
  whenResynchronised(): Promise<void> {
    return this.catchingUp;
  }

  private reserveUnshared(amount: number, accounts: readonly BudgetAccount[]): BudgetDecision {
    switch (this.options.whenUnreachable) {
      case 'closed':
        throw stateUnavailable();
      case 'open':
        return { granted: true };
      case 'local':
        return this.reserveLocally(amount, accounts);
    }
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

  /** A reservation Redis never saw: its spend is counted locally while Redis is away, and owed to Redis. */
  private settleUnshared(releaseLocally: number, actual: number, accounts: readonly BudgetAccount[]): void {
    this.local.settleNow(releaseLocally, this.link.reachable ? 0 : actual, accounts);
    this.oweWhereUncharged(
      accounts,
      accounts.map(() => false),
      actual,
    );
  }

  private oweWhereUncharged(accounts: readonly BudgetAccount[], charged: readonly boolean[], actual: number): void {
    if (!(actual > 0)) return;
    let owing = false;
    accounts.forEach((account, index) => {
      if (charged[index]) return;
      owing = true;
      const owed = this.owed.get(account.id);
      if (owed) owed.spent += actual;
      // Bounded like the memory store; an outage touching more accounts than that loses the oldest's spend in Redis (each replica's ledger still has it).
      else setNewest(this.owed, account.id, { account, spent: actual, push: undefined });
    });
    if (owing && this.link.reachable) this.catchUpSoon(false);
  }

  /** One catching up at a time; on Redis's return, the local accounts are dropped once Redis has it all. */
  private catchUpSoon(returned: boolean): void {
    this.catchingUp = this.catchingUp.then(async () => {
      if ((await this.catchUp()) && returned) this.local = new MemoryBudgetStore();
    });
  }

  /** Pushes what Redis missed: ledger seeds first (a seed only lands on an account Redis does not hold yet), then settlements, then owed spend. Answers whether all of it went. */
  private async catchUp(): Promise<boolean> {
    try {
      for (const [id, { account, spent }] of this.owedSeeds) {
        await this.shared.seed(account, spent);
        this.owedSeeds.delete(id);
      }
      // Settlements that come in meanwhile add to what is owed: go round until nothing is.
      while ((this.unsettled.size > 0 || this.owed.size > 0) && this.link.reachable) {
        for (const [holdId, settlement] of this.unsettled) {
          const { accounts, actual, once, attempted } = settlement;
          settlement.attempted = true;
          const charged = await this.shared.settleHold({ holdId, reserved: 0, actual, once }, accounts);
          this.unsettled.delete(holdId);
          // Not found after an attempt that may have run: that attempt charged it.
          if (!attempted) this.oweWhereUncharged(accounts, charged, actual);
        }
        for (const [id, owed] of this.owed) {
          if (!owed.push) {
            owed.push = { id: randomUUID(), spent: owed.spent };
            owed.spent = 0;
          }
          await this.shared.settleHold({ holdId: owed.push.id, reserved: 0, actual: owed.push.spent, once: true }, [owed.account]);
          owed.push = undefined;
          if (owed.spent === 0) this.owed.delete(id);
        }
      }
      return this.unsettled.size === 0 && this.owed.size === 0;
    } catch (error) {
      // Redis went again: what is still owed waits for its next return.
      this.failed('budget resynchronisation', error);
      return false;
    }
  }

  private track(holdId: string, hold: Hold): void {
    // Bounded by the requests in flight; the bound only matters if settlements went missing.
    setNewest(this.holds, holdId, hold);
  }

  /** Bounded: an outage longer than that forgets the oldest settlement (its hold stays in Redis until the account expires). */
  private remember(holdId: string, settlement: Unsettled): void {
    setNewest(this.unsettled, holdId, settlement);
  }

  private failed(operation: string, error: unknown): void {
    this.options.failures.failed(operation, error);
    this.link.noteFailure(error);
  }
}

function setNewest<V>(entries: Map<string, V>, key: string, value: V): void {
  entries.delete(key);
  if (entries.size >= maxAccounts) entries.delete(entries.keys().next().value as string);
  entries.set(key, value);
}
