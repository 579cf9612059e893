import { describe, expect, it } from 'vitest';
import { PriceBook, type ModelRates } from './price-book.js';
import shipped from './pricing-table.json' with { type: 'json' };

const rates = (input: number): ModelRates => ({ input_per_mtok: input, output_per_mtok: input });
const shippedBook = () => new PriceBook([shipped.models as Record<string, ModelRates>]);

describe('PriceBook: a model is priced as itself or as a snapshot of itself', () => {
  it.each([
    // Each was priced as the shorter model it shares a prefix with: grok-4 ($3), claude-opus-4 ($15), o3 ($2), gpt-4 ($30).
    ['grok-4-fast', 0.2],
    ['claude-opus-4-6', 5],
    ['o3-deep-research', 10],
    ['gpt-4-0125-preview', 10],
  ])('prices %s from its own entry in the shipped table', (model, input) => {
    expect(shippedBook().ratesFor(model)?.input_per_mtok).toBe(input);
  });

  it.each([['grok-4-fast', 'grok-4'], ['claude-opus-4-6', 'claude-opus-4'], ['o3-deep-research', 'o3'], ['gpt-4-0125-preview', 'gpt-4'], ['gpt-4.7', 'gpt-4']])(
    'leaves %s unpriced when only %s is known',
    (model, known) => {
      expect(new PriceBook([{ [known]: rates(1) }]).ratesFor(model)).toBeUndefined();
    },
  );

  it.each([
    ['gpt-4.1-nano-2025-04-14', 'gpt-4.1-nano'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-opus-4-1@20250805', 'claude-opus-4-1'],
    ['grok-3-latest', 'grok-3'],
    ['gpt-4-0613', 'gpt-4'],
    ['grok-4-0709', 'grok-4'],
  ])('prices the snapshot %s as %s', (model, known) => {
    // claude-opus-4 is there to catch a match by prefix instead of by snapshot suffix.
    const book = new PriceBook([{ [known]: rates(7), 'claude-opus-4': rates(99), 'gpt-4.1': rates(99) }]);
    expect(book.ratesFor(model)?.input_per_mtok).toBe(7);
  });

  it.each(['gpt-4-1399', 'gpt-4-preview', 'gpt-4-2025-13-01', 'gpt-4@001'])('does not take %s for a snapshot of gpt-4', (model) => {
    expect(new PriceBook([{ 'gpt-4': rates(30) }]).ratesFor(model)).toBeUndefined();
  });

  it('prices a listed snapshot by its own entry, before the model it is a snapshot of', () => {
    expect(shippedBook().ratesFor('gpt-3.5-turbo-1106')?.input_per_mtok).toBe(1);
    expect(shippedBook().ratesFor('gpt-3.5-turbo-0125')?.input_per_mtok).toBe(0.5);
  });

  it('lets a later table override an earlier one', () => {
    expect(new PriceBook([{ m: rates(1) }, { m: rates(2) }]).ratesFor('m-latest')?.input_per_mtok).toBe(2);
  });
});
