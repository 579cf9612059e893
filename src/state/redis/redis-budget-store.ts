import { randomUUID } from 'node:crypto';
import type { AccountLevel, BudgetAccount, BudgetDecision, BudgetStore } from '../budget-store.js';
import { defineLuaCommand, type LuaCommand } from './lua-command.js';
import type { RedisConnection } from './redis-connection.js';

/** An account is kept this long after its period ends: the day's report can still read it. */
export const accountRetentionMs = 2 * 24 * 60 * 60 * 1000;
/** Levels this process remembers for `level()`; past it, the one seen least recently is forgotten. */
export const maxSeenAccounts = 10_000;

const nothing: AccountLevel = { spent: 0, reserved: 0 };

/** One settlement of `RedisBudgetStore.settleHold`. */
export interface HoldSettlement {
  /** The hold to release; without one, `reserved` is released. A push of spend names an id no hold has, with `once`. */
  readonly holdId: string | undefined;
  readonly reserved: number;
  readonly actual: number;
  /** Charge `actual` whether or not the hold is found, but only once for this id: for a settlement that may have run already. */
  readonly once: boolean;
}

/*
 * Each account is a hash {s: spent, r: reserved}. The scripts compute in
 * doubles, as MemoryBudgetStore does, and write 17 significant digits, which
 * read back as the same double: both stores reach the same sums. Replies carry
 * the numbers as that text too (Redis would truncate a Lua number to an integer).
 */
const accountLua = `
local function level(key)
  local held = redis.call('HMGET', key, 's', 'r')
  return tonumber(held[1]) or 0, tonumber(held[2]) or 0
end
local function text(number)
  return string.format('%.17g', number)
end
`;

/**
 * KEYS: the accounts; ARGV[1]: amount, ARGV[2]: hold id, then limit ('' when none) and expire-at ms per account.
 * Each account records the hold as field `h:<id>` = amount, so that its settlement releases exactly it.
 * Reply: 1, then spent and reserved per account; or 0, denied index, its spent and reserved.
 */
const reserveLua = `${accountLua}
local amount = tonumber(ARGV[1])
for i = 1, #KEYS do
  local limit = ARGV[2 * i + 1]
  if limit ~= '' then
    local spent, reserved = level(KEYS[i])
    if spent + reserved + amount > tonumber(limit) then return { 0, i - 1, text(spent), text(reserved) } end
  end
end
local reply = { 1 }
for i = 1, #KEYS do
  local spent, reserved = level(KEYS[i])
  reserved = reserved + amount
  redis.call('HSET', KEYS[i], 's', text(spent), 'r', text(reserved), 'h:' .. ARGV[2], text(amount))
  redis.call('PEXPIREAT', KEYS[i], ARGV[2 * i + 2])
  reply[2 * i] = text(spent)
  reply[2 * i + 1] = text(reserved)
end
return reply
`;

/**
 * KEYS: the accounts; ARGV: hold id ('' for none), reservation to release when there is no hold id, actual cost,
 * once ('1' or '0'), then expire-at ms per account.
 * With a hold id, each account releases only the hold it finds (a settlement run twice, or one of a
 * reservation Redis never made, releases nothing) and is charged only where it found it. With `once`, it is
 * charged whether or not it held it, but only the first time: the marker `p:<id>` (kept as long as the
 * account) says it was. Reply: spent, reserved and charged (1 or 0) per account.
 */
const settleLua = `${accountLua}
local hold, actual, once = ARGV[1], tonumber(ARGV[3]), ARGV[4] == '1'
local reply = {}
for i = 1, #KEYS do
  local spent, reserved = level(KEYS[i])
  local release, charge, took = tonumber(ARGV[2]), true, 1
  if hold ~= '' then
    local held = redis.call('HGET', KEYS[i], 'h:' .. hold)
    release = tonumber(held) or 0
    if held then redis.call('HDEL', KEYS[i], 'h:' .. hold) end
    if once then
      charge = redis.call('HSETNX', KEYS[i], 'p:' .. hold, '1') == 1
    else
      charge = held ~= false
      took = charge and 1 or 0
    end
  end
  if charge then spent = spent + actual end
  reserved = math.max(0, reserved - release)
  redis.call('HSET', KEYS[i], 's', text(spent), 'r', text(reserved))
  redis.call('PEXPIREAT', KEYS[i], ARGV[i + 4])
  reply[3 * i - 2] = text(spent)
  reply[3 * i - 1] = text(reserved)
  reply[3 * i] = took
end
return reply
`;

/** KEYS[1]: the account; ARGV: spent, expire-at ms. Every write sets both fields, so an account without `s` does not exist yet. Reply: spent and reserved. */
const seedLua = `${accountLua}
redis.call('HSETNX', KEYS[1], 's', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
local spent, reserved = level(KEYS[1])
return { text(spent), text(reserved) }
`;

/**
 * Budget accounts shared by every replica: each reservation or settlement is
 * one script, atomic across all its accounts. A reservation is a named hold
 * on each account, so that a settlement sent again (after a timeout that
 * Redis did run) cannot release or charge twice; hold fields go at
 * settlement, `once` markers with the account.
 */
export class RedisBudgetStore implements BudgetStore {
  private readonly reserveScript: LuaCommand;
  private readonly settleScript: LuaCommand;
  private readonly seedScript: LuaCommand;
  /** The levels in the last replies, oldest first. */
  private readonly seen = new Map<string, AccountLevel>();

  constructor(private readonly connection: RedisConnection) {
    this.reserveScript = defineLuaCommand(connection.client, 'tokenpakReserveBudget', reserveLua);
    this.settleScript = defineLuaCommand(connection.client, 'tokenpakSettleBudget', settleLua);
    this.seedScript = defineLuaCommand(connection.client, 'tokenpakSeedBudget', seedLua);
  }

  /** Holds `amount` on every account, as the hold `holdId` (a new one when not given), or on none. */
  async reserve(amount: number, accounts: readonly BudgetAccount[], holdId: string = randomUUID()): Promise<BudgetDecision> {
    if (accounts.length === 0) return { granted: true, holdId };
    const args: (string | number)[] = [amount, holdId];
    for (const account of accounts) args.push(account.limit ?? '', expiresAt(account));
    const reply = (await this.reserveScript(this.keys(accounts), args)) as (number | string)[];
    if (reply[0] === 1) {
      accounts.forEach((account, index) => this.remember(account, reply[2 * index + 1], reply[2 * index + 2]));
      return { granted: true, holdId };
    }
    const denied = reply[1] as number;
    return { granted: false, denied, level: this.remember(accounts[denied] as BudgetAccount, reply[2], reply[3]) };
  }

  /** With `holdId`, releases that hold where Redis has it and charges only there; without, releases `reserved` and charges everywhere. */
  async settle(reserved: number, actual: number, accounts: readonly BudgetAccount[], holdId?: string): Promise<void> {
    await this.settleHold({ holdId, reserved, actual, once: false }, accounts);
  }

  /** Settles as `settle` does (see settleLua for `once`); answers, per account, whether Redis has now been charged `actual`. */
  async settleHold(settlement: HoldSettlement, accounts: readonly BudgetAccount[]): Promise<boolean[]> {
    if (accounts.length === 0) return [];
    const { holdId, reserved, actual, once } = settlement;
    const args: (string | number)[] = [holdId ?? '', reserved, actual, once ? 1 : 0, ...accounts.map(expiresAt)];
    const reply = (await this.settleScript(this.keys(accounts), args)) as (string | number)[];
    return accounts.map((account, index) => {
      this.remember(account, reply[3 * index], reply[3 * index + 1]);
      return reply[3 * index + 2] === 1;
    });
  }

  async seed(account: BudgetAccount, spent: number): Promise<void> {
    const reply = (await this.seedScript(this.keys([account]), [spent, expiresAt(account)])) as string[];
    this.remember(account, reply[0], reply[1]);
  }

  level(account: BudgetAccount): AccountLevel {
    return this.seen.get(account.id) ?? nothing;
  }

  private keys(accounts: readonly BudgetAccount[]): string[] {
    return accounts.map((account) => this.connection.key(`budget:${account.id}`));
  }

  private remember(account: BudgetAccount, spent: unknown, reserved: unknown): AccountLevel {
    const level = { spent: Number(spent), reserved: Number(reserved) };
    this.seen.delete(account.id);
    if (this.seen.size >= maxSeenAccounts) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(account.id, level);
    return level;
  }
}

function expiresAt(account: BudgetAccount): number {
  return account.endsAt + accountRetentionMs;
}
