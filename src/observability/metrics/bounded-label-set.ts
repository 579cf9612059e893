/** The label value that stands for every value a `BoundedLabelSet` will not keep. */
export const overflowLabel = 'other';

const maxLabelLength = 100;
const safeLabelValue = /^[A-Za-z0-9._:/@+-]+$/;

/**
 * The label values one metric label may take. The first `capacity` distinct
 * values keep their own label; later ones, and any value too long or with
 * characters a model name does not need, become `other`. Values come from
 * clients (the model they ask for), so without this cap a client could grow
 * the series set, and the scrape, without bound.
 */
export class BoundedLabelSet {
  private readonly kept = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** The value's own label if it already has one, else `other`: for values that may use a label but not claim one. */
  existingLabel(value: string): string {
    return this.kept.has(value) ? value : overflowLabel;
  }

  label(value: string): string {
    if (this.kept.has(value)) return value;
    if (this.kept.size >= this.capacity || value.length > maxLabelLength || !safeLabelValue.test(value)) return overflowLabel;
    this.kept.add(value);
    return value;
  }
}
