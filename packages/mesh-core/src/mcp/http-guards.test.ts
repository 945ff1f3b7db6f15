import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkHostAndOrigin, createHostAndOriginCheck } from './http-guards.js';

const requestWith = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const hosts = ['localhost', '127.0.0.1'];

describe('createHostAndOriginCheck', () => {
  it('gives the verdicts of checkHostAndOrigin, for each pair of headers', () => {
    const check = createHostAndOriginCheck(hosts, hosts);
    const cases = [
      {},
      { host: 'localhost:3000' },
      { host: 'evil.example:3000' },
      { host: '127.0.0.1:1', origin: 'http://localhost:5173' },
      { host: '127.0.0.1:1', origin: 'http://evil.example' },
    ];
    // Twice: the second round answers from what it remembered.
    for (let round = 0; round < 2; round += 1) {
      for (const headers of cases) {
        expect(check(requestWith(headers))).toEqual(checkHostAndOrigin(requestWith(headers), hosts, hosts));
      }
    }
    expect(check(requestWith({ host: 'evil.example:3000' }))?.status).toBe(403);
    expect(check(requestWith({ host: 'localhost:3000' }))).toBeUndefined();
  });

  it('tells a missing header from an empty one, and keeps deciding past its memory', () => {
    const check = createHostAndOriginCheck(hosts, hosts);
    expect(check(requestWith({ host: 'localhost' }))).toBeUndefined();
    expect(check(requestWith({ host: 'localhost', origin: '' }))).toEqual(
      checkHostAndOrigin(requestWith({ host: 'localhost', origin: '' }), hosts, hosts),
    );
    for (let index = 0; index < 600; index += 1) {
      expect(check(requestWith({ host: `h${index}.example` }))?.status).toBe(403);
    }
    expect(check(requestWith({ host: '127.0.0.1:9' }))).toBeUndefined();
  });
});
