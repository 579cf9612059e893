export declare const thinkTimeMs: number;

export interface BenchMode {
  id: string;
  label: string;
  upstream: 'anthropic' | 'openai';
  savings: Record<string, unknown>;
}
export declare const benchModes: BenchMode[];

export interface Conversation {
  name: string;
  /** `entry` names the record within `path` when one file holds many trajectories. */
  source: { repository: string; path: string; commit: string; format: string; entry?: string };
  licence: string;
  tools: unknown[];
  messages: Array<{ role: string; [key: string]: unknown }>;
}

export interface TurnRecord {
  conversation: string;
  turn: number;
  body: any;
  bill: any;
  inputCostUsd: number;
  /** The fake's bill of the request, input and output, at list price. */
  billedCostUsd: number;
  headerCostUsd: number | undefined;
  savedUsd: number | undefined;
  savedTokens: number | undefined;
}

export declare function loadCorpus(directory?: string): Promise<Conversation[]>;
export declare function turnRequests(conversation: Conversation, model: string): unknown[];
export declare function runSavingsBench(options: {
  conversations: Conversation[];
  modes?: BenchMode[];
  startGateway: (config: object) => Promise<{ baseURL: string; close(): Promise<void> }>;
}): Promise<Array<{ mode: BenchMode; turns: TurnRecord[] }>>;
export declare function promptTokensOf(bill: unknown): number;
export declare function cachedTokensOf(bill: unknown): number;
