export interface PostOptions {
  readonly contentType?: string | null;
  readonly headers?: Record<string, string>;
  /** Sent as is, instead of JSON.stringify(body). */
  readonly raw?: string;
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: <T = Record<string, unknown>>() => T;
}

export async function post(
  baseUrl: string,
  path: string,
  body: unknown,
  options: PostOptions = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers,
    body: options.raw ?? JSON.stringify(body),
  });
  return toResult(response);
}

export async function request(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return toResult(await fetch(`${baseUrl}${path}`, { method, headers }));
}

async function toResult(response: Response): Promise<HttpResult> {
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: <T>() => JSON.parse(text) as T,
  };
}

/** The id in a `Location: /api/v1/sessions/{sid}` header. */
export function sessionIdFrom(result: HttpResult): string {
  const location = result.headers.get('location') ?? '';
  const match = /^\/api\/v1\/sessions\/([0-9a-f]{64})$/.exec(location);
  if (!match?.[1]) throw new Error(`no session Location in ${JSON.stringify(location)}`);
  return match[1];
}
