/** Shortest value registered as a secret: shorter ones would redact ordinary words. */
export const MIN_SECRET_CHARS = 8;

/** What a secret's value is replaced with. */
export const REDACTED = '[redacted]';

// One registry per process, shared by every copy of this package (ESM and CJS) through a global symbol: a secret
// must be taken out of every log line, span and error of the process, including those of code the mesh did
// not construct, so it cannot live in one logger's options.
const REGISTRY = Symbol.for('@kidsstories/mesh-core/secret-values');
type Registry = { counts: Map<string, number>; ordered: string[] };

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  holder[REGISTRY] ??= { counts: new Map(), ordered: [] };
  return holder[REGISTRY];
}

function reorder(state: Registry): void {
  // Longest first, so a secret that contains another is replaced whole.
  state.ordered = [...state.counts.keys()].sort((a, b) => b.length - a.length);
}

/**
 * Registers the values of configured secrets (API keys, tokens, connection strings, SAS signatures) so that
 * {@link redactSecretValues} takes them out of text: the JSON logger does it on every line, the MCP edge on
 * every error sent to a client, the tracing helpers on span attributes and exception messages. Values shorter
 * than {@link MIN_SECRET_CHARS} characters (and `undefined`) are ignored. Returns a function that unregisters
 * them (each registration is counted, so two owners of one key do not unregister each other).
 *
 * @example
 * ```ts
 * const unregister = registerSecretValues([process.env.OPENAI_API_KEY]);
 * redactSecretValues(`401: bad key ${process.env.OPENAI_API_KEY}`); // '401: bad key [redacted]'
 * ```
 */
export function registerSecretValues(values: Iterable<string | undefined>): () => void {
  const state = registry();
  const added = [
    ...new Set([...values].filter((value): value is string => (value?.length ?? 0) >= MIN_SECRET_CHARS)),
  ];
  for (const value of added) state.counts.set(value, (state.counts.get(value) ?? 0) + 1);
  reorder(state);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const value of added) {
      const count = (state.counts.get(value) ?? 1) - 1;
      if (count <= 0) state.counts.delete(value);
      else state.counts.set(value, count);
    }
    reorder(state);
  };
}

/**
 * `text` with the value of every registered secret (see {@link registerSecretValues}) replaced by `[redacted]`,
 * wherever it appears (also percent-encoded, as in a URL, and JSON-escaped). Returns `text` itself when none appears.
 */
export function redactSecretValues(text: string): string {
  const { ordered } = registry();
  if (ordered.length === 0) return text;
  let out = text;
  for (const secret of ordered) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // Also as it appears in a URL and inside a JSON string.
    for (const variant of [encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) {
      if (variant !== secret && out.includes(variant)) out = out.split(variant).join(REDACTED);
    }
  }
  return out;
}

/** Names of environment variables that hold secrets. */
const SECRET_NAME =
  /(^|_)(API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|CONNECTION_STRING|SAS|SIGNATURE|CREDENTIALS?)(_|$)/i;
/** Secret parts of connection strings and URLs: Azure `AccountKey=`, `SharedAccessSignature=`, a SAS `sig=`. */
const SECRET_PARTS = /(?:AccountKey|SharedAccessKey|SharedAccessSignature|sig|password)=([^;&\s]+)/gi;
/** The password of a URL with credentials (`redis://user:password@host`). */
const URL_PASSWORD = /:\/\/[^/\s:@]*:([^@\s/]+)@/g;

/**
 * The secret values in an environment: the value of every variable whose name says it holds one (`…_KEY`,
 * `…_API_KEY`, `…_TOKEN`, `…_SECRET`, `…_PASSWORD`, `…_CONNECTION_STRING`, `…_SAS`), and in every variable the
 * secret parts of connection strings and URLs (`AccountKey=`, `SharedAccessSignature=`, `sig=`, a URL's
 * password). Pass them to {@link registerSecretValues}.
 *
 * @example
 * ```ts
 * registerSecretValues(secretValuesFromEnv(process.env));
 * ```
 */
export function secretValuesFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.trim() === '') continue;
    if (SECRET_NAME.test(name)) values.push(value.trim());
    for (const pattern of [SECRET_PARTS, URL_PASSWORD]) {
      for (const match of value.matchAll(pattern)) {
        const part = match[1];
        if (part !== undefined) values.push(part, safeDecode(part));
      }
    }
  }
  return values;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
