import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readStreamText } from './read-stream-text.js';

const tooLarge = () => new Error('too large');

describe('readStreamText', () => {
  it('joins the chunks as UTF-8, a character split across chunks included', async () => {
    const bytes = Buffer.from('héllo wörld');
    const stream = Readable.from([bytes.subarray(0, 2), bytes.subarray(2, 7), bytes.subarray(7)], {
      objectMode: false,
    });
    expect(await readStreamText(stream, 100, tooLarge)).toBe('héllo wörld');
    expect(await readStreamText(Readable.from([], { objectMode: false }), 100, tooLarge)).toBe('');
  });

  it('stops at the limit and destroys the stream', async () => {
    const stream = new PassThrough();
    const read = readStreamText(stream, 8, tooLarge);
    stream.write('12345');
    stream.write('67890');
    await expect(read).rejects.toThrow('too large');
    expect(stream.destroyed).toBe(true);
  });

  it("rejects with the stream's error, and with a premature close when it is destroyed before its end", async () => {
    const failing = new PassThrough();
    const failed = readStreamText(failing, 100, tooLarge);
    failing.write('part');
    failing.destroy(new Error('reset'));
    await expect(failed).rejects.toThrow('reset');
    const cut = new PassThrough();
    const closed = readStreamText(cut, 100, tooLarge);
    cut.write('part');
    cut.destroy();
    await expect(closed).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });
});
