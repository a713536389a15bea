/** A problem+json answer of the API, with the fields it names. */
export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
  attemptsLeft?: number;
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
  get code() {
    return this.problem.code;
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

/** Calls the portal API with the member cookie; writes carry the CSRF token; a 401 ends the session. */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const h: Record<string, string> = { accept: 'application/json', ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) h['x-csrf-token'] = csrfToken;
  const res = await fetch(`/portal/api${path}`, {
    method,
    headers: h,
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
    if (res.status === 401 && path.startsWith('/me')) onUnauthenticated();
    throw new ApiError(problem);
  }
  return parsed as T;
}
