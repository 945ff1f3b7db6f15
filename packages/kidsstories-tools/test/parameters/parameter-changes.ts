import { createHash } from 'node:crypto';
import { MeshError } from '@kidsstories/mesh-core';
import type { GenerationParametersInput } from '../../src/parameters/generation-parameters.js';
import type { ParameterSpec } from '../../src/parameters/parameter-spec.js';

/**
 * Support for the table-driven parameter tests: for every parameter of a category, a value other than the one
 * the run starts from (derived from the parameter's spec), and fingerprints of what a run produced.
 */

/** One parameter's change: the value to set and, when needed, the run it starts from. */
export interface ParameterChange {
  /** The value to try; default {@link alternativeOf} the starting value. */
  value?: unknown;
  /** Parameters set in both runs (the starting point), on top of the category's base. */
  base?: GenerationParametersInput;
  /** Tool input set in both runs, on top of the test's input. */
  input?: Record<string, unknown>;
}

/** The values a spec allows, for enum-like specs (`one of a, b`, `0..5 of a, b`). */
function listedValues(spec: ParameterSpec): unknown[] {
  const list = spec.allowed.replace(/^(one of|\d+\.\.\d+ of) /, '').split(', ');
  return spec.type === 'enum (number)' ? list.map(Number) : list;
}

/**
 * A value of the parameter other than `current`, allowed by its spec: the first other enum value, the other
 * boolean, the far end of a numeric range, another list of enum values, another sentence.
 *
 * @throws Error when the spec allows no other value (a one-value enum).
 */
export function alternativeOf(spec: ParameterSpec, current: unknown): unknown {
  switch (spec.type) {
    case 'boolean':
      return !current;
    case 'integer':
    case 'number': {
      const [min, max] = spec.allowed.split('..').map(Number) as [number, number];
      return current === max ? min : max;
    }
    case 'string':
      return `${String(current)}; and a changed sentence`.slice(-400);
    case 'enum[]': {
      const other = listedValues(spec).find((value) => !(current as unknown[]).includes(value));
      return other === undefined ? [] : [other];
    }
    default: {
      const other = listedValues(spec).find((value) => value !== current);
      if (other === undefined) throw new Error(`${spec.allowed} allows no value but ${String(current)}`);
      return other;
    }
  }
}

/** How many values a spec allows, for enum specs (undefined for ranges, strings and lists). */
export function enumSize(spec: ParameterSpec): number | undefined {
  return spec.type === 'enum' || spec.type === 'enum (number)' ? listedValues(spec).length : undefined;
}

/** SHA-256 of bytes, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Runs `make` and returns its fingerprint, or the error's code and message when it fails. */
export async function fingerprintOf(make: () => Promise<string>): Promise<string> {
  try {
    return await make();
  } catch (error) {
    const meshError = MeshError.from(error);
    return `error ${meshError.code}: ${meshError.message}`;
  }
}
