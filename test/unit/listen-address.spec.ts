import { describe, expect, it } from 'vitest';
import { listeningOn } from '../../src/config/listen-address.js';

describe('the start-up line says where the service listens', () => {
  it('a wildcard host is every address, IPv4 or IPv6', () => {
    expect(listeningOn('0.0.0.0', 3000)).toBe('every address (0.0.0.0), port 3000');
    expect(listeningOn('::', 8080)).toBe('every address (::), port 8080');
  });

  it('a given address is a URL of it', () => {
    expect(listeningOn('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000');
    expect(listeningOn('::1', 3000)).toBe('http://[::1]:3000');
    expect(listeningOn('media.internal', 80)).toBe('http://media.internal:80');
  });
});
