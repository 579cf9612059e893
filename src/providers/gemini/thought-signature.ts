/**
 * Gemini attaches a `thoughtSignature` to function calls and wants it back with
 * the call on the next turn. OpenAI's format has nowhere to keep it except the
 * tool call id, which clients echo verbatim; so the signature travels inside the
 * id, after a separator that cannot occur in base64.
 */
const separator = '~sig~';

export function idWithSignature(id: string, signature: string | undefined): string {
  return signature ? `${id}${separator}${signature}` : id;
}

export function signatureOf(id: string): string | undefined {
  const at = id.indexOf(separator);
  return at === -1 ? undefined : id.slice(at + separator.length);
}
