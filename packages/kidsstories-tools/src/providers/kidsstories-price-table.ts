import type { ModelPrice } from '@kidsstories/mesh-core/ports';

/**
 * Public list prices in USD for the models the KidsStories mesh uses, as published by OpenAI and Azure AI
 * Foundry (standard, pay-as-you-go, global deployments; 2025 list prices). Give it to the mesh's cost ledger
 * (`createMemoryCostLedger({ prices: KIDSSTORIES_PRICE_TABLE })`, or `ledger.prices` of the Redis ports), which
 * prices nothing by itself; check it against your own agreement and pass your own table when they differ.
 *
 * - `gpt-4o`: $2.50 / $10.00 per million input / output tokens.
 * - `gpt-4o-mini`: $0.15 / $0.60 per million input / output tokens.
 * - `phi-4`: $0.125 / $0.50 per million input / output tokens (Azure AI Foundry serverless).
 * - `text-embedding-3-large`: $0.13 per million input tokens.
 * - `dall-e-3`: $0.04 per standard 1024x1024 image; `dall-e-3-hd`: $0.08 per HD 1024x1024 image.
 * - `gpt-4o-mini-tts`: billed $0.60 per million text input tokens and $12.00 per million audio output tokens,
 *   which is about $0.15 per million input characters (4 characters a token) plus $0.015 per minute of speech
 *   ($0.00025 a second). A usage reports either the tokens or the characters and seconds (the narration
 *   providers measure the latter), never both.
 * - `tts-1-hd`: $30 per million input characters; `tts-1`: $15 per million input characters.
 * - `omni-moderation-latest`: free.
 *
 * The tools' own tables (`MEDIA_PRICE_TABLE`, `DEFAULT_TEXT_PRICES`) hold only the models this one does
 * not (the offline family, `gpt-image-1`), so an operator's ledger prices are never overridden by list prices.
 *
 * @example
 * ```ts
 * const ledger = createMemoryCostLedger({ prices: KIDSSTORIES_PRICE_TABLE });
 * costOf(KIDSSTORIES_PRICE_TABLE, { model: 'gpt-4o-mini', inputTokens: 1_000, outputTokens: 500 }); // 0.00045
 * ```
 */
export const KIDSSTORIES_PRICE_TABLE: Readonly<Record<string, Readonly<ModelPrice>>> = Object.freeze({
  'gpt-4o': Object.freeze({ inputPerMillionTokensUsd: 2.5, outputPerMillionTokensUsd: 10 }),
  'gpt-4o-mini': Object.freeze({ inputPerMillionTokensUsd: 0.15, outputPerMillionTokensUsd: 0.6 }),
  'phi-4': Object.freeze({ inputPerMillionTokensUsd: 0.125, outputPerMillionTokensUsd: 0.5 }),
  'text-embedding-3-large': Object.freeze({ inputPerMillionTokensUsd: 0.13 }),
  'dall-e-3': Object.freeze({ perImageUsd: 0.04 }),
  'dall-e-3-hd': Object.freeze({ perImageUsd: 0.08 }),
  // Billed by text tokens in and audio tokens out (issue 12 item 8). The narration providers measure characters
  // in and seconds out, so both are priced at what they amount to in billed tokens: 0.60 USD per million tokens
  // of about 4 characters, and about 0.015 USD per minute of speech.
  'gpt-4o-mini-tts': Object.freeze({
    inputPerMillionTokensUsd: 0.6,
    outputPerMillionTokensUsd: 12,
    perMillionCharactersUsd: 0.15,
    perSecondUsd: 0.00025,
  }),
  'tts-1-hd': Object.freeze({ perMillionCharactersUsd: 30 }),
  'tts-1': Object.freeze({ perMillionCharactersUsd: 15 }),
  'omni-moderation-latest': Object.freeze({ perMillionCharactersUsd: 0, perRequestUsd: 0 }),
});
