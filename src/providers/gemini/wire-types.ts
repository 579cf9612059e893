/** Gemini's `generateContent` API (v1beta), as far as the gateway uses it. */

export interface GeminiFunctionCall {
  name?: string;
  args?: Record<string, unknown>;
  /** Streamed function-call arguments: the call starts with `willContinue`, then comes in pieces, then an empty `functionCall`. */
  willContinue?: boolean;
  partialArgs?: GeminiPartialArg[];
}

export interface GeminiPartialArg {
  jsonPath: string;
  stringValue?: string;
  numberValue?: number;
  boolValue?: boolean;
  nullValue?: null;
  willContinue?: boolean;
}

export interface GeminiPart {
  text?: string;
  /** A part of the model's thinking, shown as `reasoning_content`. */
  thought?: boolean;
  /** Opaque; must be sent back with the part on the next turn for multi-turn tool use. */
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType: string; fileUri: string };
  functionCall?: GeminiFunctionCall;
  functionResponse?: { name: string; response: Record<string, unknown> };
}

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: Array<{ name: string; description?: string; parameters?: Record<string, unknown> }> }>;
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  generationConfig?: {
    temperature?: number;
    topP?: number;
    topK?: number;
    maxOutputTokens?: number;
    stopSequences?: string[];
    seed?: number;
    presencePenalty?: number;
    frequencyPenalty?: number;
    responseMimeType?: string;
    responseSchema?: Record<string, unknown>;
    /** `thinkingBudget` 0 turns thinking off; `includeThoughts` returns the thinking as thought parts. */
    thinkingConfig?: { thinkingBudget: number; includeThoughts?: boolean };
  };
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

export interface GeminiResponse {
  candidates?: Array<{ content?: { role?: string; parts?: GeminiPart[] }; finishReason?: string; index?: number }>;
  promptFeedback?: { blockReason?: string };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
}
