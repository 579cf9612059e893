/** `name/model` splits at the first slash (model ids may contain more); `name` alone has no model. */
export function parseProviderModel(text: string): { provider: string; model?: string } {
  const slash = text.indexOf('/');
  return slash === -1 ? { provider: text } : { provider: text.slice(0, slash), model: text.slice(slash + 1) };
}
