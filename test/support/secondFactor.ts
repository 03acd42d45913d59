import { totpCode } from "../../src/auth/factors/totp";
import { ConfirmTotpEnrollmentDocument, StartTotpEnrollmentDocument, VerifySecondFactorDocument } from "./generated/graphql";
import { graphql } from "./graphqlClient";
import { waitUntil } from "./waitUntil";

const STEP_MS = 30_000;

/** The code an authenticator app shows for the secret at a time: what a user types. */
export const codeAt = (secret: string, atMs: number = Date.now()) => totpCode(secret, atMs);

/**
 * Waits, when needed, until the current 30-second step has at least `leftMs` to run. A code of the
 * previous step is accepted only while the server is still in this step (one step either side), so
 * a test that confirms with it must not start just before a step ends on a busy machine.
 */
export async function untilStepHasLeft(leftMs: number): Promise<void> {
  await waitUntil(() => STEP_MS - (Date.now() % STEP_MS) >= leftMs, `a TOTP step with ${leftMs} ms left`, STEP_MS);
}

/** Turns TOTP on for the token's account as a user would: start, scan (here: read the secret), confirm with the app's code. */
export async function enrollTotp(
  url: string,
  token: string,
  atMs: number = Date.now(),
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = await graphql(url, StartTotpEnrollmentDocument, {}, { token });
  const secret = started.data?.startTotpEnrollment.secret;
  if (!secret) throw new Error(`startTotpEnrollment failed: ${started.text}`);
  const confirmed = await graphql(url, ConfirmTotpEnrollmentDocument, { code: codeAt(secret, atMs) }, { token });
  if (!confirmed.data) throw new Error(`confirmTotpEnrollment failed: ${confirmed.text}`);
  return { secret, recoveryCodes: confirmed.data.confirmTotpEnrollment };
}

/** The second step of a login: the level-1 token and a code; the level-2 pair. */
export async function verifyWithCode(url: string, token: string, code: string) {
  const verified = await graphql(url, VerifySecondFactorDocument, { code }, { token });
  if (!verified.data) throw new Error(`verifySecondFactor failed: ${verified.text}`);
  return verified.data.verifySecondFactor;
}
