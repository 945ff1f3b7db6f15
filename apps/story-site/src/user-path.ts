import { resolve } from 'node:path';

/**
 * The folder the user typed the command in. `npm run <script> -w <workspace>` runs the script in the workspace's
 * folder and keeps the user's folder in `INIT_CWD`; outside npm that is the process's own folder.
 */
export function userDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.INIT_CWD || process.cwd();
}

/** Resolves a path the user gave on the command line against {@link userDirectory}. */
export function resolveUserPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(userDirectory(env), path);
}
