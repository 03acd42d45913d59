import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

/**
 * Reads a random secret kept in a file that only its owner can read, making it the first time.
 * Used for development defaults that must survive a restart (the JWT secret, the embedded
 * database password); production passes secrets through the environment. The folder is made
 * when missing: with DATABASE_URL set, nothing else has made DATA_DIR.
 */
export async function readOrCreateSecretFile(file: string): Promise<string> {
  try {
    return (await fs.readFile(file, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secret = crypto.randomBytes(48).toString("base64url");
  await fs.mkdir(path.dirname(file), { recursive: true });
  // "wx" fails if the file exists: when two processes race here, the loser reads the winner's.
  try {
    await fs.writeFile(file, secret + "\n", { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return (await fs.readFile(file, "utf8")).trim();
  }
}
