import http from 'node:http';

/**
 * Requests fetch cannot make: fetch always adds a Content-Type to a string body, and it never
 * leaves a request body unfinished.
 */

export interface RawResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

function target(baseUrl: string): { host: string; port: number } {
  const url = new URL(baseUrl);
  return { host: url.hostname, port: Number(url.port) };
}

/** POSTs `body` with the given headers only (no Content-Type unless given). */
export function rawPost(
  baseUrl: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...target(baseUrl),
        path,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Declares a `declaredLength` body, sends only `sentBytes` of it and never ends the request.
 * Resolves with the response; rejects when none arrives within `timeoutMs`, that is when the
 * server waits for the rest of the body before answering.
 */
export function postUnfinishedBody(
  baseUrl: string,
  path: string,
  options: { declaredLength: number; sentBytes: number; timeoutMs?: number },
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      ...target(baseUrl),
      path,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(options.declaredLength),
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no response within ${options.timeoutMs ?? 5000} ms to an unfinished body`));
    }, options.timeoutMs ?? 5000);
    let answered = false;
    req.on('error', (error) => {
      // The server may close the connection once it has answered; only earlier errors count.
      if (!answered) {
        clearTimeout(timer);
        reject(error);
      }
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        answered = true;
        clearTimeout(timer);
        req.destroy();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.write(`{"customMetadata":{"big":"${'x'.repeat(Math.max(0, options.sentBytes - 30))}`);
  });
}
