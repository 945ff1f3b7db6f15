import { describe, expect, it } from 'vitest';
import { copyKeys } from './copy-keys.js';

describe('copyKeys', () => {
  it('copies own keys in order, skipping the one named', () => {
    const copied = copyKeys({ a: 0 }, { resultType: 'complete', content: [], isError: false }, 'resultType');
    expect(copied).toEqual({ a: 0, content: [], isError: false });
    expect(Object.keys(copied)).toEqual(['a', 'content', 'isError']);
  });

  it('keeps a __proto__ key of parsed JSON as a plain property, as a spread does', () => {
    const source = JSON.parse('{"__proto__":{"polluted":true},"x":1}') as Record<string, unknown>;
    const copied = copyKeys({}, source);
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect((copied as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.stringify(copied)).toBe(JSON.stringify({ ...source }));
  });

  it('skips inherited keys', () => {
    const source = Object.create({ inherited: 1 }) as Record<string, unknown>;
    source.own = 2;
    expect(copyKeys({}, source)).toEqual({ own: 2 });
  });
});
