/**
 * One budget's account for one period: the whole gateway's day, a key's day
 * or month, a user's day. The period is part of the id, so a new day is a new
 * account and nothing has to be reset.
 */
export interface BudgetAccount {
  /** e.g. `day:2026-11-30:key:team-a`; the store adds its own prefix. */
  readonly id: string;
  /** In USD; undefined when the account is tracked (for the metrics) but not limited. */
  readonly limit: number | undefined;
  /** When the period ends (Unix ms): the store may forget the account some time after. */
  readonly endsAt: number;
}

export interface AccountLevel {
  readonly spent: number;
  readonly reserved: number;
}

export type BudgetDecision =
  /** `holdId`, when the store gives one, names the reservation: pass it back to `settle`, so that the store releases exactly that hold. */
  | { readonly granted: true; readonly holdId?: string }
  /** `denied` indexes the first account the amount would pass; its level is as it stood. Nothing was reserved. */
  | { readonly granted: false; readonly denied: number; readonly level: AccountLevel };

/**
 * Spend and reservations against budgets: in this process (memory, which
 * answers at once: no promise on the request path) or shared by every replica (Redis). `reserve` checks and holds in one atomic step
 * across all its accounts, so concurrent requests cannot together pass a limit.
 */
export interface BudgetStore {
  /** Holds `amount` on every account, or on none when it would take one past its limit. */
  reserve(amount: number, accounts: readonly BudgetAccount[]): BudgetDecision | Promise<BudgetDecision>;
  /** Releases what a request held and charges what it cost instead; `holdId` is the one its reservation was granted with, if any. */
  settle(reserved: number, actual: number, accounts: readonly BudgetAccount[], holdId?: string): void | Promise<void>;
  /** Adds spend made elsewhere (the ledger's, at start-up) to an account the store does not hold yet; an account it holds is left as it is. */
  seed(account: BudgetAccount, spent: number): Promise<void>;
  /** The account as last seen by this process, without waiting (for the metrics, never for a decision). */
  level(account: BudgetAccount): AccountLevel;
}
