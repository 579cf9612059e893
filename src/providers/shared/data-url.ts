const dataUrl = /^data:([^;,]+)(?:;[^,]*)?;base64,/;

/** `data:image/png;base64,AAAA` → its media type and base64 payload; undefined for any other URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = dataUrl.exec(url);
  return match ? { mediaType: match[1] as string, data: url.slice(match[0].length) } : undefined;
}
