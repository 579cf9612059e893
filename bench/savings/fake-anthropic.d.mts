export declare const maxBreakpoints: number;
export declare const lookbackBlocks: number;
export declare function minimumCacheableTokens(model: string): number;

export interface AnthropicBill {
  input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  breakpoints: number;
  blocks: number;
  output_tokens?: number;
}

export declare class PromptCacheBilling {
  now: number;
  bill(body: unknown): AnthropicBill;
}

export declare const sonnet45Prices: { input: number; cacheRead: number; cacheWrite5m: number; cacheWrite1h: number };
export declare function inputCostUsd(bill: AnthropicBill, prices?: typeof sonnet45Prices): number;

export interface FakeAnthropic {
  url: string;
  received: Array<{ body: any; bill: AnthropicBill }>;
  billing: PromptCacheBilling;
  setNow(nowMs: number): void;
  close(): Promise<void>;
}
export declare function startFakeAnthropic(options?: { port?: number; outputTokens?: number }): Promise<FakeAnthropic>;
