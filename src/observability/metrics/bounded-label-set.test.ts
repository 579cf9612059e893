import { describe, expect, it } from 'vitest';
import { BoundedLabelSet } from './bounded-label-set.js';

describe('BoundedLabelSet', () => {
  it('keeps the first values up to its capacity and maps later ones to other', () => {
    const models = new BoundedLabelSet(2);

    expect(['a', 'b', 'c', 'a', 'b'].map((value) => models.label(value))).toEqual(['a', 'b', 'other', 'a', 'b']);
  });

  it('maps overlong, empty and unsafe values to other without using up a place', () => {
    const models = new BoundedLabelSet(1);

    expect(['m'.repeat(101), '', 'sk-abc def', 'x"}', 'a\nb', 'gpt-4o'].map((value) => models.label(value))).toEqual([
      'other',
      'other',
      'other',
      'other',
      'other',
      'gpt-4o',
    ]);
  });

  it('accepts the characters model names use, up to 100 of them', () => {
    const name = `org/model-1.5_b:latest@v2+q${'x'.repeat(100 - 27)}`;

    expect(new BoundedLabelSet(1).label(name)).toBe(name);
  });

  it('gives a value that may not claim a label its own only once another has claimed it', () => {
    const models = new BoundedLabelSet(5);

    expect(models.existingLabel('gpt-4o')).toBe('other');
    expect(models.label('gpt-4o')).toBe('gpt-4o');
    expect(models.existingLabel('gpt-4o')).toBe('gpt-4o');
  });
});
