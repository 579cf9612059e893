/** A refusal or failure from the admin API, with the message the gateway gave. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface AdminApi {
  json<T>(path: string, init?: RequestInit): Promise<T>;
  /** A file the API answers (the CSV export), read whole so that it can be saved from a blob URL. */
  download(path: string): Promise<{ blob: Blob; truncated: boolean }>;
}

/**
 * Calls /admin/ with the key as a bearer token. A 401 means the key is no
 * longer accepted (changed, or typed wrong): `onRefused` sends the operator
 * back to the login form.
 */
export function adminApi(adminKey: string, onRefused: (message: string) => void): AdminApi {
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const headers: Record<string, string> = { authorization: `Bearer ${adminKey}` };
    if (init.body) headers['content-type'] = 'application/json';
    const response = await fetch(path, { ...init, headers, cache: 'no-store', credentials: 'omit' });
    if (response.ok) return response;
    const error = new AdminApiError(response.status, await errorMessage(response));
    if (response.status === 401) onRefused(error.message);
    throw error;
  };
  return {
    json: async <T>(path: string, init?: RequestInit) => (await (await call(path, init)).json()) as T,
    download: async (path: string) => {
      const response = await call(path);
      return { blob: await response.blob(), truncated: response.headers.get('x-tokenpak-truncated') === 'true' };
    },
  };
}

/** Who signed in: the operator, or a team with its virtual key, which sees only its own usage. */
export interface Caller {
  role: 'admin' | 'key';
  /** The virtual key's name, for `role: 'key'`. */
  key?: string;
}

/** Checks a key before it is kept (a wrong one is refused, 401), and says whose it is. */
export async function checkAdminKey(adminKey: string): Promise<Caller> {
  const response = await fetch('/admin/whoami', { headers: { authorization: `Bearer ${adminKey}` }, cache: 'no-store', credentials: 'omit' });
  if (!response.ok) throw new AdminApiError(response.status, await errorMessage(response));
  return (await response.json()) as Caller;
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // Not the gateway's error JSON (a proxy in front of it, say): the status says enough.
  }
  return `The gateway answered HTTP ${response.status}.`;
}
