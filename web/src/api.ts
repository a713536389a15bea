/** A problem+json answer of the API, with the fields it names. */
export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
  [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
  get code() {
    return this.problem.code;
  }
  /** The message for one field (dotted path), for showing next to that field. */
  fieldError(field: string): string | undefined {
    return this.problem.errors?.find((e) => e.field === field)?.message;
  }
}

let csrfToken = '';
let onUnauthenticated: () => void = () => {};

export function setCsrfToken(token: string): void {
  csrfToken = token;
}
export function setOnUnauthenticated(fn: () => void): void {
  onUnauthenticated = fn;
}

/**
 * Calls the API with the session cookie. Writes carry the CSRF token; a 401 means the session ended
 * (expired or signed out elsewhere) and sends the user back to sign-in.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 204) return null as T;
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const problem: Problem =
      parsed && typeof parsed === 'object' && 'code' in parsed
        ? (parsed as Problem)
        : { status: res.status, code: 'internal_error', detail: res.statusText };
    if (res.status === 401 && !path.startsWith('/admin/api/session')) onUnauthenticated();
    throw new ApiError(problem);
  }
  return parsed as T;
}

export const enc = encodeURIComponent;
