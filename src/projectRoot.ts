import path from "node:path";

/**
 * The repository's root, where schema.graphql and prisma/ live. This file sits one level below
 * it both as source (src/) and compiled (dist/), so the same expression holds for both.
 */
export const PROJECT_ROOT = path.resolve(__dirname, "..");
