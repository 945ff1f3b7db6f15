import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import {
  checkFinite,
  checkInteger,
  checkNonEmptyString,
  checkNonNegative,
  checkPositive,
} from './check-options.js';
import { stripUndefined } from './strip-undefined.js';

function fieldOf(check: () => unknown): unknown {
  try {
    check();
  } catch (error) {
    expect(MeshError.isInstance(error)).toBe(true);
    expect((error as MeshError).code).toBe('invalid_argument');
    return (error as MeshError).details.field;
  }
  throw new Error('the check passed');
}

describe('option checks (value, field)', () => {
  it('return good values as they are', () => {
    expect(checkFinite(0.5, 'jitter', { min: 0, max: 1 })).toBe(0.5);
    expect(checkNonNegative(0, 'delayMs')).toBe(0);
    expect(checkPositive(1.5, 'ttlMs')).toBe(1.5);
    expect(checkInteger(0, 'maxQueued', 0)).toBe(0);
    expect(checkNonEmptyString('k', 'key')).toBe('k');
  });

  it('reject bad values with invalid_argument naming the field', () => {
    expect(fieldOf(() => checkFinite(2, 'retry.jitter', { min: 0, max: 1 }))).toBe('retry.jitter');
    expect(fieldOf(() => checkFinite(Number.NaN, 'x'))).toBe('x');
    expect(fieldOf(() => checkNonNegative(-1, 'delayMs'))).toBe('delayMs');
    expect(fieldOf(() => checkPositive(0, 'ttlMs'))).toBe('ttlMs');
    expect(fieldOf(() => checkPositive(Number.POSITIVE_INFINITY, 'ttlMs'))).toBe('ttlMs');
    expect(fieldOf(() => checkInteger(1.5, 'count'))).toBe('count');
    expect(fieldOf(() => checkInteger(0, 'count'))).toBe('count');
    expect(fieldOf(() => checkNonEmptyString('', 'group'))).toBe('group');
    expect(fieldOf(() => checkNonEmptyString(7, 'group'))).toBe('group');
  });

  it('name the value in the message', () => {
    expect(() => checkPositive(-3, 'ttlMs')).toThrow('ttlMs must be a finite number > 0, got -3');
  });
});

describe('stripUndefined', () => {
  it('drops undefined fields and keeps every other value', () => {
    expect(stripUndefined<{ a?: number; b?: string; c?: null }>({ a: 0, b: undefined, c: null })).toEqual({
      a: 0,
      c: null,
    });
  });
});
