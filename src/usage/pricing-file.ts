import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import type { PricingTable } from './price-book.js';
import { modelRatesSchema } from './price-schema.js';

const pricingTableSchema = z.looseObject({
  as_of: z.string().min(1),
  models: z.record(z.string().min(1), modelRatesSchema).refine((models) => Object.keys(models).length > 0, 'the table has no models'),
});

/** A pricing document (the shipped table's format), validated; throws a message a person can act on. */
export function parsePricingTable(text: string, source: string): PricingTable {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not JSON`);
  }
  const parsed = pricingTableSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source} is not a pricing table: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Reads a pricing table from a file path or an http(s) URL. */
export async function fetchPricingTable(from: string, signal?: AbortSignal): Promise<PricingTable> {
  if (/^https?:\/\//.test(from)) {
    const response = await fetch(from, { signal });
    if (!response.ok) throw new Error(`${from} answered HTTP ${response.status}`);
    return parsePricingTable(await response.text(), from);
  }
  return parsePricingTable(await readFile(from, 'utf8'), from);
}

/** Saves a table where the gateway looks for it at start, replacing the old one in one step. */
export async function savePricingTable(table: PricingTable, path: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(table, null, 2)}\n`);
  await rename(temporary, path);
}

/** The saved table, or undefined when there is none (or it is unreadable: the shipped one serves). */
export async function readSavedPricingTable(path: string): Promise<PricingTable | undefined> {
  try {
    return parsePricingTable(await readFile(path, 'utf8'), path);
  } catch {
    return undefined;
  }
}
