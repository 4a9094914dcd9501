import { describe, expect, it } from 'vitest';
import { isUtf8ContentType } from '../../src/common/http/body-parsing.js';
import { KnownRoutes, routePattern } from '../../src/common/http/method-not-allowed.js';
import { bearerTokenOf } from '../../src/reports/reports-token.guard.js';

describe('isUtf8ContentType (C1: no charset or charset=utf-8, any case, quoted or not)', () => {
  it.each([
    undefined,
    'application/json',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'application/json; Charset="utf-8"',
    'application/json; CHARSET = "UTF-8" ',
    'application/json; charset=utf8',
    'text/plain;charset=UTF-8',
    'text/plain; format=flowed',
    'application/json; charset=utf-8; foo=bar',
  ])('C1: %j is UTF-8', (contentType) => {
    expect(isUtf8ContentType(contentType)).toBe(true);
  });

  it.each([
    'application/json; charset=latin1',
    'application/json; charset=iso-8859-1',
    'application/json; charset="ISO-8859-1"',
    'application/json; charset=utf-16',
    'application/json; charset=utf-16le',
    'application/json; charset=us-ascii',
    'application/json; charset=',
    'application/json; charset=""',
    'application/json; charset=utf-8; charset=latin1',
    'text/plain; charset=windows-1252',
  ])('C1: %j is another charset', (contentType) => {
    expect(isUtf8ContentType(contentType)).toBe(false);
  });
});

describe('KnownRoutes (C6: a known path with a method it does not serve is 405 with Allow)', () => {
  const routes = new KnownRoutes();
  routes.add('/api/v1', 'OPTIONS');
  routes.add('/api/v1/*', 'OPTIONS');
  routes.add('/health', 'GET');
  routes.add('/health', 'HEAD');
  routes.add('/api/v1/sessions', 'POST');
  routes.add('/api/v1/sessions/:sid/events', 'POST');
  routes.add('/docs/*', ['HEAD', 'GET']);

  it.each([
    ['/health', ['GET', 'HEAD']],
    ['/api/v1/sessions', ['OPTIONS', 'POST']],
    ['/api/v1/sessions/abc/events', ['OPTIONS', 'POST']],
    ['/api/v1/sessions/a.b%20c/events', ['OPTIONS', 'POST']],
    ['/docs/index.html', ['GET', 'HEAD']],
  ])('C6: %s answers %j', (path, methods) => {
    expect(routes.allowedOn(path)).toEqual(methods);
  });

  it.each([
    '/',
    '/nope',
    '/api/v1',
    '/api/v1/unknown',
    '/api/v1/sessions/',
    '/api/v1/sessions/abc',
    '/api/v1/sessions//events',
    '/api/v1/sessions/a/b/events',
    '/healthz',
    '/Health',
    '/api/v1/sessionsX',
  ])('C6: %s is unknown (404, not 405)', (path) => {
    expect(routes.allowedOn(path)).toBeUndefined();
  });

  it('C6: static segments are matched literally, not as patterns', () => {
    expect(routePattern('/a.b/:id').test('/aXb/1')).toBe(false);
    expect(routePattern('/a.b/:id').test('/a.b/1')).toBe(true);
  });
});

describe('bearerTokenOf (C9: the scheme name is case-insensitive, RFC 7235)', () => {
  it.each([
    ['Bearer abc.def-123', 'abc.def-123'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['bEaReR abc', 'abc'],
    ['Bearer   abc', 'abc'],
  ])('C9: %j carries %j', (header, token) => {
    expect(bearerTokenOf(header)).toBe(token);
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'abc',
    'Basic abc',
    'Bearerabc',
    'Bearer a b',
    'Token abc',
    ' Bearer abc',
  ])('C9: %j carries no bearer token', (header) => {
    expect(bearerTokenOf(header)).toBeUndefined();
  });
});
