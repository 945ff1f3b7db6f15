import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../src/cli/parse-command-line.js';
import { createProgressPrinter } from '../src/cli/progress-printer.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

describe('kidsstories-mesh command line', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs today for ages 6-8 into ./out by default, and parses every run flag', async () => {
    expect(parseCommandLine([])).toMatchObject({
      command: 'run',
      ageBands: ['6-8'],
      outDir: 'out',
      json: false,
    });
    const params = join(dir, 'params.json');
    await writeFile(params, JSON.stringify({ seed: 3, voice_id: 'slt' }));
    expect(
      parseCommandLine([
        'run',
        '--date',
        '2028-02-29',
        '--age-band',
        'all',
        '--pages',
        '4',
        '--clips',
        '1',
        '--params',
        params,
        '--out',
        dir,
        '--json',
      ]),
    ).toMatchObject({
      command: 'run',
      date: '2028-02-29',
      ageBands: ['3-5', '6-8', '9-12'],
      pages: 4,
      clips: 1,
      parameters: { seed: 3, voice_id: 'slt' },
      outDir: dir,
      json: true,
    });
    expect(parseCommandLine(['serve', '--port', '0', '--schedule'])).toMatchObject({
      command: 'serve',
      port: 0,
      schedule: '0 0 * * *',
    });
    expect(parseCommandLine(['serve', '--schedule', '*/5 * * * *'])).toMatchObject({
      schedule: '*/5 * * * *',
    });
    expect(
      parseCommandLine([
        'serve',
        '--role',
        'gateway',
        '--mesh-port',
        '7070',
        '--peers',
        'text=http://text:7070,media=http://media-1:7070|http://media-2:7070,video=http://video:7070',
      ]),
    ).toMatchObject({
      role: 'gateway',
      meshPort: 7070,
      peers: {
        text: ['http://text:7070'],
        media: ['http://media-1:7070', 'http://media-2:7070'],
        video: ['http://video:7070'],
      },
    });
    expect(parseCommandLine(['serve', '--role', 'text', '--media-url', 'http://media:7070'])).toMatchObject({
      role: 'text',
      mediaUrl: 'http://media:7070',
    });
    expect(parseCommandLine(['serve', '--breaker-open-ms', '5000'])).toMatchObject({ breakerOpenMs: 5_000 });
    expect(parseCommandLine(['serve'])).not.toHaveProperty('breakerOpenMs');
    expect(parseCommandLine(['--distributed'], {})).toMatchObject({
      distributed: true,
      redisUrl: 'redis://127.0.0.1:6379',
      redisPrefix: 'kidsstories:',
    });
  });

  it.each([
    [['--age-band', '4-6'], /--age-band must be one of 3-5, 6-8, 9-12 or all, got "4-6"/],
    [['--date', '2026-02-30'], /--date must be a calendar date/],
    [['--pages', '0'], /--pages must be a whole number from 1 to 24/],
    [['--pages', '3', '--clips', '4'], /--clips \(4\) cannot exceed --pages \(3\)/],
    [['--params', '/nowhere/params.json'], /--params: cannot read \/nowhere\/params.json: ENOENT/],
    [['--redis', 'localhost:6379'], /--redis must be a redis:\/\/ or rediss:\/\/ URL/],
    [['--colour', 'blue'], /Unknown option '--colour'/],
    [['paint'], /unknown command "paint"/],
    [['serve', '--schedule', 'every day'], /not a cron pattern/],
    [['serve', '--age-band', '3-5'], /--age-band goes with run, not serve/],
    [['serve', '--role', 'printer'], /--role must be gateway, text, media or video/],
    [['serve', '--role', 'gateway'], /--role gateway needs --peers/],
    [['serve', '--role', 'gateway', '--peers', 'text=http://t:1'], /--peers has no media=URL/],
    [['serve', '--role', 'media', '--peers', 'text=http://t:1'], /--peers goes with --role gateway/],
    [['serve', '--role', 'text', '--media-url', 'media:7070'], /is not an http/],
    [['--role', 'text'], /--role goes with serve, not run/],
    [['--breaker-open-ms', '5000'], /--breaker-open-ms goes with serve, not run/],
    [['serve', '--breaker-open-ms', '0'], /--breaker-open-ms must be a whole number from 1 to 86400000/],
    [['serve', '--breaker-open-ms', '5s'], /--breaker-open-ms must be a whole number/],
    [['serve', '--role', 'media', '--breaker-open-ms', '5000'], /--breaker-open-ms goes with the gateway/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it('names the problem in a parameters file that does not parse or validate', async () => {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ "seed": ');
    expect(() => parseCommandLine(['--params', broken])).toThrow(/is not valid JSON/);
    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, JSON.stringify({ page_count: 99 }));
    expect(() => parseCommandLine(['--params', invalid])).toThrow(/page_count/);
  });

  it('exits 2 with the message on bad input, before starting anything (the built CLI)', () => {
    const result = spawnSync(process.execPath, [CLI, '--age-band', '4-6'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('kidsstories-mesh: --age-band must be one of');
    expect(result.stdout).toBe('');
  });

  it('prints one line per stage when the output is not a terminal, and a redrawn bar on a terminal', () => {
    const lines: string[] = [];
    let clock = 0;
    const plain = createProgressPrinter({
      stream: { write: (text: string) => lines.push(text) } as never,
      now: () => clock,
    });
    plain.update('ages 6-8', { progress: 1, total: 4, message: 'story: drafted' });
    clock = 1500;
    plain.update('ages 6-8', { progress: 2, total: 4, message: 'pictures: page 1 of 2' });
    plain.update('ages 6-8', { progress: 3, total: 4, message: 'pictures: page 2 of 2' });
    plain.update('ages 6-8', { progress: 4, total: 4, message: 'bundle: written' });
    expect(lines).toEqual([
      'ages 6-8  25% story: drafted (0.0 s)\n',
      'ages 6-8  50% pictures: page 1 of 2 (1.5 s)\n',
      'ages 6-8 100% bundle: written (1.5 s)\n',
    ]);
    const drawn: string[] = [];
    const tty = createProgressPrinter({
      stream: { isTTY: true, columns: 80, write: (text: string) => drawn.push(text) } as never,
      now: () => 0,
    });
    tty.update('ages 3-5', { progress: 1, total: 2, message: 'story: drafted' });
    tty.done();
    expect(drawn[0]).toMatch(/^\rages 3-5 \[#{12}\.{12}\] {2}50% story: drafted {2}0\.0 s/);
    expect(drawn.at(-1)).toBe('\n');
  });
});
