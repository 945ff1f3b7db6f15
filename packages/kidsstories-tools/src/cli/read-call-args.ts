import { readFileSync, readSync } from 'node:fs';
import { MeshError } from '@kidsstories/mesh-core';

/** Where `--args` and picture paths are read from; injectable for tests. */
export interface ArgsReader {
  /** Reads a file whole. Default `fs.readFileSync`. */
  readFile(path: string): Buffer;
  /** Reads standard input to its end. Default `fs.readFileSync(0)`. */
  readStdin(): Buffer;
}

/** The default {@link ArgsReader}: the file system and this process's standard input. */
export const FILE_SYSTEM_READER: ArgsReader = {
  readFile: (path) => readFileSync(path),
  readStdin: readStdinSync,
};

/**
 * Reads standard input to its end, synchronously. `readFileSync(0)` fails with `EAGAIN` on a non-blocking pipe
 * (as Node sets up some pipes), so this reads chunk by chunk and waits briefly while no data is ready.
 */
function readStdinSync(): Buffer {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(1 << 16);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let read: number;
    try {
      read = readSync(0, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 10);
        continue;
      }
      if (code === 'EOF') break;
      throw error;
    }
    if (read === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, read)));
  }
  return Buffer.concat(chunks);
}

/** Argument keys holding a base64 picture, whose value may be `@path` to a PNG file instead. */
const PICTURE_KEYS = new Set(['png']);

/**
 * The arguments of `kidsstories-tools call`, from the `--args` value: inline JSON, `@path` to a JSON file, or
 * `-` for standard input (so large arguments, such as several base64 pictures, never hit the operating system's
 * limit on one command-line argument). In the parsed object, a picture field (`png`, at any depth) whose value
 * is `@path` is replaced by the base64 content of that file. Relative paths are relative to the working directory.
 *
 * @throws MeshError `invalid_argument` naming `args` (or the picture's field) when a file cannot be read, the
 *   text is not JSON or not an object.
 * @example
 * ```ts
 * readCallArgs('@clips.json'); // { clips: [{ png: 'iVBORw0…', motion: 'zoom_in' }] } when clips.json says "png": "@page1.png"
 * ```
 */
export function readCallArgs(
  value: string | undefined,
  reader: ArgsReader = FILE_SYSTEM_READER,
): Record<string, unknown> {
  if (value === undefined) return {};
  let text = value;
  let origin = '--args';
  if (value === '-') {
    text = read(() => reader.readStdin(), 'standard input', 'args').toString('utf8');
    origin = '--args - (standard input)';
  } else if (value.startsWith('@')) {
    const path = value.slice(1);
    text = read(() => reader.readFile(path), path, 'args').toString('utf8');
    origin = `--args ${value}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return fail(`${origin} is not valid JSON (${reason})`, 'args');
  }
  if (!isObject(parsed)) fail(`${origin} must be a JSON object, like '{"page_count": 4}'`, 'args');
  return inlinePictures(parsed, reader, '') as Record<string, unknown>;
}

/** Replaces `@path` picture values by the file's base64 content, walking at most 16 levels. */
function inlinePictures(value: unknown, reader: ArgsReader, path: string, depth = 0): unknown {
  if (depth > 16) return value;
  if (Array.isArray(value))
    return value.map((item, index) => inlinePictures(item, reader, `${path}${index}.`, depth + 1));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const field = `${path}${key}`;
    out[key] =
      PICTURE_KEYS.has(key) && typeof item === 'string' && item.startsWith('@')
        ? read(() => reader.readFile(item.slice(1)), item.slice(1), field).toString('base64')
        : inlinePictures(item, reader, `${field}.`, depth + 1);
  }
  return out;
}

function read(run: () => Buffer, what: string, field: string): Buffer {
  try {
    return run();
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    return fail(`cannot read ${what} (${reason})`, field);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string, field: string): never {
  throw new MeshError(message, 'invalid_argument', { details: { field, usage: true } });
}
