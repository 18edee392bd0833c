// Types of scripts/openapi-types.mjs, for the test that imports it.

/** Where the generated file lives: src/openapi-types.ts. */
export const OUTPUT: string;
/** How to regenerate it, for messages. */
export const REGENERATE: string;
/** The text of src/openapi-types.ts for an OpenAPI document (parsed JSON); throws on a construct it does not understand. */
export function generate(document: unknown): string;
