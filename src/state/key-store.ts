import { z } from 'zod';
import { rateLimitSchema, type RateLimitConfig } from '../config/tenancy-schema.js';

/** A virtual key as the gateway keeps it: never the key itself, only its SHA-256. */
export interface VirtualKeyRecord {
  /** Stable id, e.g. `key_3f9a0c1d2e4b5a6c`: the admin API's handle and the ledger's `key_id`. */
  readonly id: string;
  readonly name: string;
  /** SHA-256 of the key, lower-case hex. */
  readonly hash: string;
  /** The key's first characters (`tpk_AbCd`), so that a person can tell keys apart in a list. */
  readonly hint: string;
  /** Model globs the key may ask for; every model when undefined. */
  readonly models?: readonly string[];
  readonly rate_limits?: RateLimitConfig;
  readonly budget?: { readonly daily_usd?: number; readonly monthly_usd?: number };
  /** ISO 8601. */
  readonly expires_at?: string;
  readonly created_at: string;
  /** ISO 8601; a revoked key is kept (the ledger still names it) but never accepted. */
  readonly revoked_at?: string;
  /** `config`: from proxy.yaml's `keys:`, which the admin API cannot change. */
  readonly source: 'config' | 'admin';
}

/**
 * The virtual keys: kept by the gateway (the ledger's SQLite file) or shared
 * by every replica (Redis). A change made on one replica is seen by every
 * other within a second.
 */
export interface KeyStore {
  list(): Promise<VirtualKeyRecord[]>;
  get(id: string): Promise<VirtualKeyRecord | undefined>;
  /** The key whose SHA-256 this is, revoked or not; the caller decides what a revoked or expired key gets. */
  findByHash(hash: string): Promise<VirtualKeyRecord | undefined>;
  /** Creates or replaces the record with this id (a rotation replaces its hash: the old key stops matching at once). */
  put(record: VirtualKeyRecord): Promise<void>;
  close(): Promise<void>;
}

/** What a stored record must be to be read as one (a shared store may hold what another program wrote). */
export const virtualKeyRecordSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  hint: z.string(),
  models: z.array(z.string()).optional(),
  rate_limits: rateLimitSchema.optional(),
  budget: z.object({ daily_usd: z.number().positive().optional(), monthly_usd: z.number().positive().optional() }).optional(),
  expires_at: z.iso.datetime({ offset: true }).optional(),
  created_at: z.string(),
  revoked_at: z.string().optional(),
  source: z.enum(['config', 'admin']),
});
