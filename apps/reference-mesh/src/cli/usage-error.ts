/** A command line the CLI cannot run: the message says what is wrong, and the CLI prints it with the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
