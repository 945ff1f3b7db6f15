import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type GenerationParametersInput,
  generationParametersInputSchema,
} from '@kidsstories/kidsstories-tools';
import { AGE_BANDS, type AgeBand, isBundleDate } from '@kidsstories/kidsstories-tools/bundle';
import { Cron } from 'croner';

/** Bad command-line input: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage:
  kidsstories-mesh [run] [--date YYYY-MM-DD] [--age-band 3-5|6-8|9-12|all] [--pages 1-24] [--clips 0-24]
                   [--params FILE] [--out DIR] [--json] [--redis URL [--instance-id ID]]
      makes the story of the day (default today, UTC, ages 6-8) and prints where to read it
  kidsstories-mesh serve [--port N] [--host ADDRESS] [--out DIR] [--redis URL [--instance-id ID]]
                   [--schedule [CRON]]
      keeps the mesh up: any MCP client can call orchestrate on the gateway; --schedule makes every age band's
      story at each tick (default "0 0 * * *", UTC)
  kidsstories-mesh --help`;

/** Options every command shares. */
interface CommonOptions {
  outDir: string;
  redisUrl?: string;
  instanceId: string;
}

/** `run`: make stories now. */
export interface RunCommand extends CommonOptions {
  command: 'run';
  date?: string;
  ageBands: AgeBand[];
  pages?: number;
  clips?: number;
  parameters?: GenerationParametersInput;
  json: boolean;
}

/** `serve`: keep the mesh up. */
export interface ServeCommand extends CommonOptions {
  command: 'serve';
  port: number;
  host: string;
  schedule?: string;
}

/** What the command line asks for. */
export type CommandLine = RunCommand | ServeCommand | { command: 'help' };

/** The default schedule: every day at midnight UTC. */
export const DEFAULT_SCHEDULE = '0 0 * * *';

/**
 * Parses and checks the command line.
 *
 * @throws UsageError naming the bad flag or value.
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CommandLine {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(withScheduleValue(argv));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { positionals, values } = parsed;
  if (values.help) return { command: 'help' };
  const [command = 'run', ...rest] = positionals;
  // `start` was the serve command's old name.
  const name = command === 'start' ? 'serve' : command;
  if (name !== 'run' && name !== 'serve') throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  if (rest.length > 0) {
    throw new UsageError(`unexpected argument "${rest[0]}"\n${USAGE}`);
  }
  const redisUrl = values.redis;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new UsageError(`--redis must be a redis:// or rediss:// URL, got "${redisUrl}"`);
  }
  const common: CommonOptions = {
    outDir: values.out,
    instanceId: values['instance-id'] ?? `gateway-${process.pid}`,
    ...(redisUrl === undefined ? {} : { redisUrl }),
  };
  if (name === 'serve') {
    for (const flag of ['date', 'age-band', 'pages', 'clips', 'params'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with run, not serve`);
    }
    const port = integerFlag('port', values.port ?? env.PORT ?? '7600', 0, 65_535);
    // `--schedule` alone takes the default; a following positional is its pattern.
    const schedule =
      values.schedule === undefined ? undefined : values.schedule || rest[0] || DEFAULT_SCHEDULE;
    if (schedule !== undefined) checkCron(schedule);
    return {
      command: 'serve',
      ...common,
      port,
      host: values.host ?? '127.0.0.1',
      ...(schedule === undefined ? {} : { schedule }),
    };
  }
  for (const flag of ['port', 'host', 'schedule'] as const) {
    if (values[flag] !== undefined) {
      throw new UsageError(`--${flag} goes with serve, not run`);
    }
  }
  if (values.date !== undefined && !isBundleDate(values.date)) {
    throw new UsageError(`--date must be a calendar date written YYYY-MM-DD, got "${values.date}"`);
  }
  const band = values['age-band'] ?? '6-8';
  if (band !== 'all' && !(AGE_BANDS as readonly string[]).includes(band)) {
    throw new UsageError(`--age-band must be one of ${AGE_BANDS.join(', ')} or all, got "${band}"`);
  }
  const pages = values.pages === undefined ? undefined : integerFlag('pages', values.pages, 1, 24);
  const clips = values.clips === undefined ? undefined : integerFlag('clips', values.clips, 0, 24);
  if (pages !== undefined && clips !== undefined && clips > pages) {
    throw new UsageError(`--clips (${clips}) cannot exceed --pages (${pages})`);
  }
  return {
    command: 'run',
    ...common,
    ageBands: band === 'all' ? [...AGE_BANDS] : [band as AgeBand],
    json: values.json,
    ...(values.date === undefined ? {} : { date: values.date }),
    ...(pages === undefined ? {} : { pages }),
    ...(clips === undefined ? {} : { clips }),
    ...(values.params === undefined ? {} : { parameters: readParameters(values.params) }),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      date: { type: 'string' },
      'age-band': { type: 'string' },
      pages: { type: 'string' },
      clips: { type: 'string' },
      params: { type: 'string' },
      out: { type: 'string', default: 'out' },
      json: { type: 'boolean', default: false },
      redis: { type: 'string' },
      'instance-id': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      schedule: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** `--schedule` with no pattern after it (last, or before another flag) means the default pattern. */
function withScheduleValue(argv: readonly string[]): string[] {
  return argv.flatMap((arg, index) =>
    arg === '--schedule' && (index === argv.length - 1 || argv[index + 1]?.startsWith('--'))
      ? [arg, DEFAULT_SCHEDULE]
      : [arg],
  );
}

function integerFlag(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function checkCron(pattern: string): void {
  try {
    new Cron(pattern, { paused: true }).stop();
  } catch (error) {
    throw new UsageError(`--schedule "${pattern}" is not a cron pattern: ${(error as Error).message}`);
  }
}

/** Reads and validates a generation-parameters file. */
function readParameters(file: string): GenerationParametersInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--params: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--params: ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const checked = generationParametersInputSchema.safeParse(json);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new UsageError(`--params: ${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return checked.data;
}
