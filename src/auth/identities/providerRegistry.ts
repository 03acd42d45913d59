import crypto from "node:crypto";
import type { Configuration } from "openid-client";
import { DEV_PROVIDER_ID, isLoopbackUrl, type IdentitiesConfig, type IdentityProviderSettings } from "../../config/identityProviders";
import { loadJose, loadOpenIdClient } from "./esmPackages";
import { IdentityFailure, IdentityFlowError } from "./identityFailures";

/** What a provider vouched for, from a validated ID token (and its userinfo, for the email). */
export interface VerifiedIdentity {
  subject: string;
  email: string | undefined;
  emailVerified: boolean;
  name: string | undefined;
}

/** How long a request to a provider may take before the sign-in fails with PROVIDER_UNAVAILABLE. */
const PROVIDER_TIMEOUT_SECONDS = 10;

type RemoteKeySet = ReturnType<(typeof import("jose"))["createRemoteJWKSet"]>;

interface Discovered {
  configuration: Configuration;
  keys: RemoteKeySet;
}

/**
 * The configured providers (OIDC_PROVIDERS, and `dev` with OIDC_DEV_PROVIDER) and the talk with
 * them through openid-client: discovery on first use (again after a failure), the authorization
 * URL, and the code exchange with the ID token validated in full.
 */
export class IdentityProviders {
  private readonly discovered = new Map<string, Promise<Discovered>>();
  private publicUrl: string | undefined;
  /** The development provider's client secret: random per process, like its keys. */
  private readonly devClientSecret = crypto.randomBytes(32).toString("base64url");

  constructor(private readonly config: IdentitiesConfig) {
    this.publicUrl = config.publicApiUrl;
  }

  /** Without PUBLIC_API_URL, the address the server listens on, known once it does. */
  useListeningUrl(url: string): void {
    this.publicUrl ??= url;
  }

  /** The API as browsers reach it: the base of every callback URL and of the development provider. */
  apiUrl(): string {
    if (this.publicUrl === undefined) throw new Error("The identity providers are used before the server listens.");
    return this.publicUrl;
  }

  list(): Array<{ id: string; name: string }> {
    return this.all().map(({ id, name }) => ({ id, name }));
  }

  find(id: string): IdentityProviderSettings | undefined {
    return this.all().find((provider) => provider.id === id);
  }

  redirectUri(id: string): string {
    return `${this.apiUrl()}/auth/${id}/callback`;
  }

  /** The development provider's client, for the provider itself (src/http/devIdentityProvider.ts); undefined when it is off. */
  devClient(): { issuer: string; clientId: string; clientSecret: string; redirectUris: string[] } | undefined {
    const dev = this.config.devProvider ? this.find(DEV_PROVIDER_ID) : undefined;
    return (
      dev && { issuer: dev.issuer, clientId: dev.clientId, clientSecret: this.devClientSecret, redirectUris: [this.redirectUri(dev.id)] }
    );
  }

  /** The URL that sends the browser to the provider, with PKCE (S256), state and nonce. */
  async authorizationUrl(
    provider: IdentityProviderSettings,
    checks: { state: string; nonce: string; codeVerifier: string },
    loginHint: string | undefined,
  ): Promise<string> {
    const { configuration } = await this.discover(provider);
    const oidc = await loadOpenIdClient();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri(provider.id),
      scope: provider.scopes.join(" "),
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: "S256",
      ...(loginHint !== undefined && { login_hint: loginHint }),
    });
    return url.href;
  }

  /**
   * The callback's code for tokens. openid-client checks the response (`state`, `iss`), the
   * token endpoint's answer and the ID token's claims (iss, aud, azp, exp, iat, nonce); the
   * signature is checked here against the provider's JWKS, which openid-client skips for an ID
   * token from the token endpoint (OpenID Connect Core §3.1.3.7 allows it; we want it checked).
   */
  async exchangeCode(
    provider: IdentityProviderSettings,
    callbackParameters: URLSearchParams,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<VerifiedIdentity> {
    const { configuration, keys } = await this.discover(provider);
    const oidc = await loadOpenIdClient();
    // The redirect URI the provider knows, with the callback's parameters: never the request's Host.
    const callbackUrl = new URL(this.redirectUri(provider.id));
    for (const [name, value] of callbackParameters) callbackUrl.searchParams.append(name, value);
    const tokens = await oidc
      .authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      })
      .catch(async (error: unknown) => {
        throw await flowError(error);
      });
    const claims = tokens.claims()!;
    await this.verifySignature(configuration, keys, tokens.id_token!, provider.clientId);
    let { email, email_verified: emailVerified, name } = claims;
    if (typeof email !== "string" && tokens.access_token) {
      // Some providers (and oidc-provider by default) put the email only in userinfo.
      const info = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub).catch(async (error: unknown) => {
        throw await flowError(error);
      });
      ({ email, email_verified: emailVerified } = info);
      name ??= info.name;
    }
    return {
      subject: claims.sub,
      email: typeof email === "string" ? email : undefined,
      emailVerified: emailVerified === true,
      name: typeof name === "string" ? name : undefined,
    };
  }

  private async verifySignature(configuration: Configuration, keys: RemoteKeySet, idToken: string, clientId: string): Promise<void> {
    const jose = await loadJose();
    const metadata = configuration.serverMetadata();
    try {
      await jose.jwtVerify(idToken, keys, {
        issuer: metadata.issuer,
        audience: clientId,
        algorithms: metadata.id_token_signing_alg_values_supported?.filter((alg) => alg !== "none") ?? ["RS256"],
      });
    } catch (error) {
      if (error instanceof jose.errors.JOSEError && !(error instanceof jose.errors.JWKSTimeout)) {
        throw new IdentityFlowError(IdentityFailure.INVALID_ID_TOKEN, error);
      }
      throw new IdentityFlowError(IdentityFailure.PROVIDER_UNAVAILABLE, error);
    }
  }

  private all(): IdentityProviderSettings[] {
    const dev: IdentityProviderSettings[] = this.config.devProvider
      ? [
          {
            id: DEV_PROVIDER_ID,
            name: "Development sign-in",
            issuer: `${this.apiUrl()}/dev-idp`,
            clientId: "graphql-jwt-auth-api",
            clientSecret: this.devClientSecret,
            scopes: ["openid", "email", "profile"],
            // Anyone may type any email there: it never reaches an existing account by email alone.
            trustEmailForLinking: false,
          },
        ]
      : [];
    return [...dev, ...this.config.providers];
  }

  /** The provider's metadata and keys, found once; a failed discovery is tried again on the next sign-in. */
  private discover(provider: IdentityProviderSettings): Promise<Discovered> {
    let found = this.discovered.get(provider.id);
    if (!found) {
      found = discover(provider);
      this.discovered.set(provider.id, found);
      found.catch(() => this.discovered.delete(provider.id));
    }
    return found;
  }
}

async function discover(provider: IdentityProviderSettings): Promise<Discovered> {
  const oidc = await loadOpenIdClient();
  const jose = await loadJose();
  const issuer = new URL(provider.issuer);
  try {
    const configuration = await oidc.discovery(
      issuer,
      provider.clientId,
      undefined,
      provider.clientSecret === undefined ? oidc.None() : oidc.ClientSecretPost(provider.clientSecret),
      {
        timeout: PROVIDER_TIMEOUT_SECONDS,
        // Plain http only for a provider on this machine (the development one, tests): config allows no other.
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated only to stand out, as its docs say
        execute: isLoopbackUrl(issuer) ? [oidc.allowInsecureRequests] : [],
      },
    );
    const jwksUri = configuration.serverMetadata().jwks_uri;
    if (jwksUri === undefined) throw new Error(`${provider.issuer} publishes no jwks_uri`);
    // An unknown `kid` fetches the key set again at once (no cool-down): ID tokens come from the
    // provider's token endpoint, never from the client, so nobody can make us fetch at will, and a
    // provider that starts signing with a new key is followed on the first token that uses it.
    const keys = jose.createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: 0, timeoutDuration: PROVIDER_TIMEOUT_SECONDS * 1000 });
    return { configuration, keys };
  } catch (error) {
    throw new IdentityFlowError(IdentityFailure.PROVIDER_UNAVAILABLE, error);
  }
}

/**
 * openid-client's codes for a provider that did not answer, or not as a server should. A
 * ClientError without a code wraps an error it did not recognise: a failed fetch from another
 * realm than its own (Jest's), so unreachable as well.
 */
const UNREACHABLE_CODES = new Set(["OAUTH_TIMEOUT", "OAUTH_ABORT", "OAUTH_RESPONSE_IS_NOT_CONFORM", "OAUTH_RESPONSE_IS_NOT_JSON"]);

/** openid-client's errors, by what they mean for the user. */
async function flowError(error: unknown): Promise<IdentityFlowError> {
  const oidc = await loadOpenIdClient();
  if (error instanceof oidc.AuthorizationResponseError) {
    return new IdentityFlowError(error.error === "access_denied" ? IdentityFailure.ACCESS_DENIED : IdentityFailure.PROVIDER_ERROR, error);
  }
  if (error instanceof oidc.ResponseBodyError) {
    // The token endpoint's OAuth error: invalid_grant for an expired or spent code, or a PKCE mismatch.
    return new IdentityFlowError(error.status >= 500 ? IdentityFailure.PROVIDER_UNAVAILABLE : IdentityFailure.CODE_REJECTED, error);
  }
  if (error instanceof oidc.ClientError && error.code !== undefined && !UNREACHABLE_CODES.has(error.code)) {
    // A check of the response or of the ID token's claims (iss, aud, exp, nonce, ...) failed.
    return new IdentityFlowError(IdentityFailure.INVALID_ID_TOKEN, error);
  }
  // fetch failed, or the connection was refused or cut.
  return new IdentityFlowError(IdentityFailure.PROVIDER_UNAVAILABLE, error);
}
