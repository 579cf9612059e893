const usdFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 6 });
const countFormat = new Intl.NumberFormat('en-US');

export const usd = (value: number | null | undefined): string => (value == null ? '—' : usdFormat.format(value));
export const count = (value: number | null | undefined): string => (value == null ? '—' : countFormat.format(value));
export const ms = (value: number | null | undefined): string => (value == null ? '—' : `${countFormat.format(Math.round(value))} ms`);
export const percent = (value: number | null | undefined): string => (value == null || !Number.isFinite(value) ? '—' : `${(value * 100).toFixed(1)} %`);
export const time = (iso: string): string => new Date(iso).toLocaleString();
