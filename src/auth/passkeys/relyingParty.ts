import crypto from "node:crypto";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { decodeAttestationObject, decodeClientDataJSON, isoBase64URL, parseAuthenticatorData } from "@simplewebauthn/server/helpers";
import { InputError } from "../../errors";

/** This server as a WebAuthn relying party (WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS; docs/configuration.md). */
export interface RelyingParty {
  id: string;
  /** What the browser's passkey prompt calls this service (TOTP_ISSUER). */
  name: string;
  origins: readonly string[];
}

/** BAD_USER_INPUT on the `response` argument, with the reason a client can branch on. */
export function responseError(reason: string, message: string): InputError {
  return new InputError("response", message, reason);
}

const malformed = () =>
  responseError(
    "MALFORMED_RESPONSE",
    "This is not a WebAuthn response: pass the browser's credential as JSON (e.g. @simplewebauthn/browser's result).",
  );

/** A response, checked as far as the relying party's own facts go: what the library verifies next relies on them. */
export interface CheckedResponse<Response> {
  response: Response;
  /** The challenge the browser signed, base64url: which live challenge this answers. */
  challenge: string;
  /** The authenticator's flags and counter. */
  userVerified: boolean;
  backupEligible: boolean;
  counter: number;
}

/**
 * A registration response (`navigator.credentials.create`), read and checked in this order: its
 * shape (MALFORMED_RESPONSE), the ceremony it was made for, the page's origin (WRONG_ORIGIN) and the
 * RP ID the authenticator scoped it to (WRONG_RP_ID). The signature and the challenge are the
 * library's and the challenge store's to check.
 */
export function checkRegistrationResponse(rp: RelyingParty, value: unknown): CheckedResponse<RegistrationResponseJSON> {
  const response = credentialShape(value, ["clientDataJSON", "attestationObject"]) as unknown as RegistrationResponseJSON;
  return checked(rp, response, "webauthn.create", () =>
    decodeAttestationObject(isoBase64URL.toBuffer(response.response.attestationObject)).get("authData"),
  );
}

/** An assertion (`navigator.credentials.get`), checked as checkRegistrationResponse says. */
export function checkAuthenticationResponse(rp: RelyingParty, value: unknown): CheckedResponse<AuthenticationResponseJSON> {
  const response = credentialShape(value, ["clientDataJSON", "authenticatorData", "signature"]) as unknown as AuthenticationResponseJSON;
  const userHandle: unknown = (value as { response: Record<string, unknown> }).response.userHandle;
  if (userHandle !== undefined && userHandle !== null && !isBase64Url(userHandle)) throw malformed();
  return checked(rp, response, "webauthn.get", () => isoBase64URL.toBuffer(response.response.authenticatorData));
}

function checked<Response extends { response: { clientDataJSON: string } }>(
  rp: RelyingParty,
  response: Response,
  ceremony: "webauthn.create" | "webauthn.get",
  authenticatorData: () => Parameters<typeof parseAuthenticatorData>[0],
): CheckedResponse<Response> {
  let clientData: { type?: unknown; challenge?: unknown; origin?: unknown };
  let authData: ReturnType<typeof parseAuthenticatorData>;
  try {
    clientData = decodeClientDataJSON(response.response.clientDataJSON);
    authData = parseAuthenticatorData(authenticatorData());
  } catch {
    throw malformed();
  }
  if (clientData.type !== ceremony || !isBase64Url(clientData.challenge) || typeof clientData.origin !== "string") throw malformed();
  if (!rp.origins.includes(clientData.origin)) {
    // The origin is the client's text: not echoed.
    throw responseError("WRONG_ORIGIN", "This response was made on a page that is not one of this service's.");
  }
  if (!crypto.timingSafeEqual(authData.rpIdHash, crypto.createHash("sha256").update(rp.id).digest())) {
    throw responseError("WRONG_RP_ID", `This response is for another site's passkey, not one of ${rp.id}.`);
  }
  return {
    response,
    challenge: clientData.challenge,
    userVerified: authData.flags.uv,
    backupEligible: authData.flags.be,
    counter: authData.counter,
  };
}

/** A PublicKeyCredential as JSON: base64url id and rawId, type public-key, and these base64url members of `response`. */
function credentialShape(value: unknown, members: readonly string[]): Record<string, unknown> {
  if (!isObject(value) || !isBase64Url(value.id) || value.rawId !== value.id || value.type !== "public-key") throw malformed();
  const { response } = value;
  if (!isObject(response) || !members.every((member) => isBase64Url(response[member]))) throw malformed();
  if (value.clientExtensionResults !== undefined && !isObject(value.clientExtensionResults)) throw malformed();
  return { ...value, clientExtensionResults: value.clientExtensionResults ?? {} };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Base64url text of a sane length: credential IDs are at most 1023 bytes, attestations a few kilobytes. */
function isBase64Url(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= 16_384 && /^[A-Za-z0-9_-]+={0,2}$/.test(value);
}
