/**
 * `kidsstories-mesh`: the reference mesh's command line.
 *
 *   kidsstories-mesh [run] [--date YYYY-MM-DD] [--age-band 3-5|6-8|9-12|all] [--pages N] [--clips K]
 *                    [--params FILE] [--out DIR] [--json] [--redis URL]
 *   kidsstories-mesh serve [--port 7600] [--host 127.0.0.1] [--out DIR] [--redis URL] [--schedule [CRON]]
 *
 * `run` (the default) makes the story of the day and prints where to read it; `serve` keeps the mesh up. Bad input
 * exits 2 with a message naming the problem; a failed run exits 1.
 */
import { parseCommandLine, USAGE, UsageError } from './cli/parse-command-line.js';
import { runCommand } from './cli/run-command.js';
import { serveCommand } from './cli/serve-command.js';

async function main(argv: string[]): Promise<void> {
  const command = parseCommandLine(argv);
  if (command.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command.command === 'serve') {
    await serveCommand(command);
    return;
  }
  process.exitCode = await runCommand(command);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`kidsstories-mesh: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
