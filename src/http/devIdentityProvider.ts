import crypto from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { loadOidcProvider } from "../auth/identities/esmPackages";

/** Where the development provider is mounted on the API (OIDC_DEV_PROVIDER=true). */
export const DEV_PROVIDER_PATH = "/dev-idp";

export interface DevProviderOptions {
  /** The issuer URL; its path is where the provider is mounted. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Private signing keys (JWK); one new RSA key when left out. */
  keys?: crypto.JsonWebKey[];
  /** The claims of an email's account; left out, the email, verified. Tests give other providers' answers. */
  accountClaims?: (email: string) => Record<string, unknown>;
}

/** A private RSA key for RS256, as a JWK with a key id. */
export function newSigningKey(): crypto.JsonWebKey {
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: crypto.randomUUID(), alg: "RS256", use: "sig" };
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;

/**
 * The built-in development provider: panva's oidc-provider with one client (this API), in this
 * process. Its sign-in page accepts any email; a `login_hint` that is an email signs that email
 * in at once (email verified), with no form and no consent. Everything it holds (keys, sessions,
 * codes) lives in this process's memory, so it needs WEB_CONCURRENCY=1 and forgets all on restart.
 */
export class DevIdentityProvider {
  private constructor(
    private readonly provider: Provider,
    private readonly mountPath: string,
  ) {}

  static async create(options: DevProviderOptions): Promise<DevIdentityProvider> {
    const { default: OidcProvider, interactionPolicy } = await loadOidcProvider();
    const mountPath = new URL(options.issuer).pathname.replace(/\/+$/, "");
    // Each authorization asks who signs in (the user may want another email than last time); the
    // interaction's own result lets the resumed request through.
    const policy = interactionPolicy.base();
    policy
      .get("login")!
      .checks.add(
        new interactionPolicy.Check("fresh_sign_in", "every sign-in asks for the email", (ctx) =>
          ctx.oidc.result ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
        ),
      );
    const provider = new OidcProvider(options.issuer, {
      clients: [
        {
          client_id: options.clientId,
          client_secret: options.clientSecret,
          redirect_uris: options.redirectUris,
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_post",
        },
      ],
      jwks: { keys: options.keys ?? [newSigningKey()] },
      cookies: { keys: [crypto.randomBytes(32).toString("base64url")] },
      claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
      // The account id is the email.
      findAccount: (_ctx, id) => ({
        accountId: id,
        claims: () => ({ sub: id, ...(options.accountClaims?.(id) ?? { email: id, email_verified: true, name: id.split("@")[0] }) }),
      }),
      interactions: { url: (_ctx, interaction) => `${mountPath}/interaction/${interaction.uid}`, policy },
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      // Short lives, set so (and so without the notices oidc-provider prints for its defaults).
      ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, AuthorizationCode: 60, IdToken: 600 },
      // First party: no consent screen. The grant covers what was asked for.
      loadExistingGrant: async (ctx) => {
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
        grant.addOIDCScope("openid email profile");
        grant.addOIDCClaims(["email", "email_verified", "name"]);
        await grant.save();
        return grant;
      },
    });
    return new DevIdentityProvider(provider, mountPath);
  }

  /** Requests under the mount path: the sign-in page here, the rest to oidc-provider. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://localhost");
    const interaction = new RegExp(`^${this.mountPath}/interaction/([\\w-]+)(/login)?$`).exec(url.pathname);
    if (interaction) {
      await this.signIn(request, response, interaction[2] !== undefined);
      return;
    }
    // oidc-provider builds its endpoints' URLs from originalUrl, and routes on url without the mount path.
    (request as IncomingMessage & { originalUrl?: string }).originalUrl = request.url;
    request.url = (request.url ?? "/").slice(this.mountPath.length) || "/";
    await this.provider.callback()(request, response);
  }

  private async signIn(request: IncomingMessage, response: ServerResponse, submitted: boolean): Promise<void> {
    const details = await this.provider.interactionDetails(request, response);
    const hint = typeof details.params.login_hint === "string" ? details.params.login_hint.trim().toLowerCase() : "";
    const email = submitted ? (await formField(request, "email")).trim().toLowerCase() : hint;
    if (EMAIL.test(email)) {
      await this.provider.interactionFinished(request, response, { login: { accountId: email } }, { mergeWithLastSubmission: false });
      return;
    }
    response.statusCode = 200;
    response.setHeader("content-type", "text/html; charset=utf-8");
    // No form-action: browsers apply it to the redirects after the post too, which end at the web app.
    response.setHeader("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'");
    response.end(signInPage(`${this.mountPath}/interaction/${details.uid}/login`, submitted));
  }
}

async function formField(request: IncomingMessage, name: string): Promise<string> {
  let body = "";
  for await (const chunk of request as AsyncIterable<Buffer>) {
    body += chunk.toString("utf8");
    if (body.length > 10_000) break;
  }
  return new URLSearchParams(body).get(name) ?? "";
}

function signInPage(action: string, retry: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Development sign-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}input,button{font-size:1rem;padding:.4rem}</style></head>
<body><h1>Development sign-in</h1>
<p>For development only: any email signs in, as verified. No password.</p>
${retry ? '<p role="alert">Type an email address.</p>' : ""}
<form method="post" action="${action}"><label>Email <input type="email" name="email" required autofocus></label> <button type="submit">Sign in</button></form>
</body></html>`;
}
