/** The tool servers of the KidsStories tool set: each serves one group of tools (and `serve` starts one). */
export const SERVER_NAMES = ['text', 'media', 'video'] as const;

/** One of {@link SERVER_NAMES}. */
export type ServerName = (typeof SERVER_NAMES)[number];
