/**
 * Where the service listens, as an operator reads it in the start-up line: a wildcard host is
 * every address of the machine, not the loopback URL Fastify reports for it.
 */
export function listeningOn(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::') return `every address (${host}), port ${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
