/** Progress as reported by a tool (MCP progress notification fields). */
export interface PrintedProgress {
  progress: number;
  total?: number | undefined;
  message?: string | undefined;
}

/** Prints a run's progress: one redrawn line on a terminal, one line per stage change elsewhere. */
export interface ProgressPrinter {
  /** Reports progress of the run labelled `label`. */
  update(label: string, progress: PrintedProgress): void;
  /** Ends the current line (call before printing anything else). */
  done(): void;
}

/** Options for {@link createProgressPrinter}. */
export interface ProgressPrinterOptions {
  /** Where lines go. Default `process.stderr`. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Clock in milliseconds. Default `performance.now`. */
  now?: () => number;
}

const BAR_WIDTH = 24;

/**
 * A progress printer. On a terminal it redraws one line (`[#####.....] 42% pictures: page 3 of 6  4.1 s`); when the
 * output is a file or a pipe it prints a plain line each time the stage changes, and the last line of the run.
 */
export function createProgressPrinter(options: ProgressPrinterOptions = {}): ProgressPrinter {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const started = now();
  const tty = stream.isTTY === true;
  let lastStage = '';
  let open = false;
  const seconds = () => `${((now() - started) / 1000).toFixed(1)} s`;
  return {
    update(label, { progress, total, message }) {
      const percent = total ? Math.floor((100 * progress) / total) : 0;
      const text = message ?? '';
      if (tty) {
        const filled = Math.round((BAR_WIDTH * percent) / 100);
        const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
        const line = `${label} [${bar}] ${String(percent).padStart(3)}% ${text}  ${seconds()}`;
        const width = (stream.columns ?? 100) - 1;
        stream.write(`\r${line.slice(0, width).padEnd(width)}`);
        open = true;
        return;
      }
      const stage = `${label} ${text.split(':')[0]}`;
      if (stage !== lastStage || progress === total) {
        stream.write(`${label} ${String(percent).padStart(3)}% ${text} (${seconds()})\n`);
        lastStage = stage;
      }
    },
    done() {
      if (open) stream.write('\n');
      open = false;
      lastStage = '';
    },
  };
}
