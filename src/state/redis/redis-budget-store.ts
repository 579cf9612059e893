import type { AccountLevel, BudgetAccount, BudgetDecision, BudgetStore } from '../budget-store.js';
import { defineLuaCommand, type LuaCommand } from './lua-command.js';
import type { RedisConnection } from './redis-connection.js';

/** An account is kept this long after its period ends: the day's report can still read it. */
export const accountRetentionMs = 2 * 24 * 60 * 60 * 1000;
/** Levels this process remembers for `level()`; past it, the one seen least recently is forgotten. */
export const maxSeenAccounts = 10_000;

const nothing: AccountLevel = { spent: 0, reserved: 0 };

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

/** KEYS: the accounts; ARGV[1]: amount, then limit ('' when none) and expire-at ms per account. Reply: 1, then spent and reserved per account; or 0, denied index, its spent and reserved. */
const reserveLua = `${accountLua}
local amount = tonumber(ARGV[1])
for i = 1, #KEYS do
  local limit = ARGV[2 * i]
  if limit ~= '' then
    local spent, reserved = level(KEYS[i])
    if spent + reserved + amount > tonumber(limit) then return { 0, i - 1, text(spent), text(reserved) } end
  end
end
local reply = { 1 }
for i = 1, #KEYS do
  local spent, reserved = level(KEYS[i])
  reserved = reserved + amount
  redis.call('HSET', KEYS[i], 's', text(spent), 'r', text(reserved))
  redis.call('PEXPIREAT', KEYS[i], ARGV[2 * i + 1])
  reply[2 * i] = text(spent)
  reply[2 * i + 1] = text(reserved)
end
return reply
`;

/** KEYS: the accounts; ARGV[1]: actual cost, then reservation to release and expire-at ms per account. Reply: spent and reserved per account. */
const settleLua = `${accountLua}
local actual = tonumber(ARGV[1])
local reply = {}
for i = 1, #KEYS do
  local spent, reserved = level(KEYS[i])
  spent = spent + actual
  reserved = math.max(0, reserved - tonumber(ARGV[2 * i]))
  redis.call('HSET', KEYS[i], 's', text(spent), 'r', text(reserved))
  redis.call('PEXPIREAT', KEYS[i], ARGV[2 * i + 1])
  reply[2 * i - 1] = text(spent)
  reply[2 * i] = text(reserved)
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

/** Budget accounts shared by every replica: each reservation or settlement is one script, atomic across all its accounts. */
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

  async reserve(amount: number, accounts: readonly BudgetAccount[]): Promise<BudgetDecision> {
    if (accounts.length === 0) return { granted: true };
    const args: (string | number)[] = [amount];
    for (const account of accounts) args.push(account.limit ?? '', expiresAt(account));
    const reply = (await this.reserveScript(this.keys(accounts), args)) as (number | string)[];
    if (reply[0] === 1) {
      accounts.forEach((account, index) => this.remember(account, reply[2 * index + 1], reply[2 * index + 2]));
      return { granted: true };
    }
    const denied = reply[1] as number;
    return { granted: false, denied, level: this.remember(accounts[denied] as BudgetAccount, reply[2], reply[3]) };
  }

  settle(reserved: number, actual: number, accounts: readonly BudgetAccount[]): Promise<void> {
    return this.settleEach(
      accounts.map(() => reserved),
      actual,
      accounts,
    );
  }

  /** `settle`, releasing a different reservation on each account (what this process held there): the fallback's resynchronisation needs it. */
  async settleEach(releases: readonly number[], actual: number, accounts: readonly BudgetAccount[]): Promise<void> {
    if (accounts.length === 0) return;
    const args: (string | number)[] = [actual];
    accounts.forEach((account, index) => args.push(releases[index] ?? 0, expiresAt(account)));
    const reply = (await this.settleScript(this.keys(accounts), args)) as string[];
    accounts.forEach((account, index) => this.remember(account, reply[2 * index], reply[2 * index + 1]));
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
