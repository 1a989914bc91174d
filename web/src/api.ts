/** The one way the web app talks to the server: cookies, CSRF, language and problem+json errors. */
import type { z } from 'zod';

/**
 * The JSON of a reply whose schema is S. Reply types come from the server's zod schemas (type-only imports:
 * nothing of the server reaches the bundle); a reply is encoded through its schema, so what the JSON holds is the
 * schema's input side (a moment is its ISO string, money a decimal string). Each feature names the replies it
 * reads beside its screens, so a change to a reply schema fails the typecheck of every screen that reads it.
 */
export type Reply<S extends z.ZodType> = z.input<S>;

export type FieldError = { field: string; message: string };

export type ProblemBody = {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: FieldError[];
} & Record<string, unknown>;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];
  readonly body: ProblemBody;

  constructor(status: number, body: ProblemBody) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code ?? '';
    this.title = body.title ?? '';
    this.detail = body.detail ?? '';
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    this.body = body;
  }

  /** The server's message for one field, matching `address.city` to `city` too. */
  fieldError(field: string): string | undefined {
    const hit = this.errors.find((e) => e.field === field || e.field.endsWith(`.${field}`) || e.field === `/${field}`);
    return hit?.message;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

let csrfToken: string | null = null;
let language = 'he';

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function setApiLanguage(lang: string): void {
  language = lang;
}

type Query = Record<string, string | number | boolean | null | undefined>;

export type RequestOptions = {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
};

export function apiUrl(path: string, query?: Query): string {
  const url = path.startsWith('/api/') || path.startsWith('/healthz') ? path : `/api/v1${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    // The server rejects unknown or empty parameters, so only real values travel.
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': language };
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) {
    body = options.body;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) init.body = body;
  if (options.signal) init.signal = options.signal;
  return fetch(apiUrl(path, options.query), init);
}

async function readProblem(res: Response): Promise<ProblemBody> {
  const text = await res.text();
  if (!text) return { status: res.status, title: res.statusText };
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') return parsed as ProblemBody;
  } catch {
    // Not JSON (a proxy error page, say): keep the text as the detail.
  }
  return { status: res.status, title: res.statusText, detail: text.slice(0, 300) };
}

async function refreshCsrf(): Promise<boolean> {
  const res = await send('/auth/me', {});
  if (!res.ok) return false;
  const me = (await res.json()) as { csrfToken?: string };
  if (!me.csrfToken) return false;
  csrfToken = me.csrfToken;
  return true;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let res = await send(path, options);
  if (res.status === 403 && (options.method ?? 'GET') !== 'GET') {
    // A stale CSRF token (another tab logged in again) is worth one retry with a fresh one.
    const problem = await readProblem(res.clone());
    if (problem.code === 'AUTH.CSRF' && (await refreshCsrf())) res = await send(path, options);
  }
  if (!res.ok) throw new ApiError(res.status, await readProblem(res));
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return (await res.text()) as T;
  return (await res.json()) as T;
}
