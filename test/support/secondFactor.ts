import { totpCode } from "../../src/auth/factors/totp";
import { ConfirmTotpEnrollmentDocument, StartTotpEnrollmentDocument, VerifySecondFactorDocument } from "./generated/graphql";
import { graphql } from "./graphqlClient";

/** The code an authenticator app shows for the secret at a time: what a user types. */
export const codeAt = (secret: string, atMs: number = Date.now()) => totpCode(secret, atMs);

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
