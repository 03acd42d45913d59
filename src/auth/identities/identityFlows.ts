import crypto from "node:crypto";
import type { PrismaClient } from "../../generated/prisma/client";
import { generateOpaqueToken, hashOpaqueToken } from "../tokens/opaqueTokens";
import type { ClientInfo } from "../types";
import { accountForIdentity } from "./accountLinking";
import { loadOpenIdClient } from "./esmPackages";
import { IdentityFailure, IdentityFlowError } from "./identityFailures";
import type { IdentityTickets } from "./identityTickets";
import type { IdentityProviders } from "./providerRegistry";

/** How long the user has at the provider, from /start to the callback. */
export const FLOW_TTL_SECONDS = 600;

/** What GET /auth/{id}/start asked for, as the edge read it. */
export interface StartRequest {
  providerId: string;
  returnTo: string | undefined;
  loginHint: string | undefined;
  /** The token of a URL from startIdentityLink. */
  linkToken: string | undefined;
  /** The browser's binding cookie, when it has one already. */
  binding: string | undefined;
}

/** Where the browser goes, and the binding cookie it keeps (set it when it differs from the one it sent). */
export type StartAnswer = { kind: "redirect"; location: string; binding: string } | { kind: "refused"; status: 400 | 404; message: string };

export interface IdentityFlowsDeps {
  prisma: PrismaClient;
  providers: IdentityProviders;
  tickets: IdentityTickets;
  /** APP_URL: return_to must be under it. */
  appUrl: string;
  now: () => number;
}

/** A binding cookie's value: 43 base64url characters, as generateOpaqueToken makes them. */
const BINDING = /^[A-Za-z0-9_-]{43}$/;
const LOGIN_HINT_MAX = 254;
const RETURN_TO_MAX = 2000;

/**
 * The authorization code flow between the browser, this API and a provider: /start records what
 * the callback must check and sends the browser on; the callback checks it, has the provider's
 * answer validated, applies the linking rules and sends the browser back to `return_to` with a
 * one-time login code (or `#error=<reason>`) in the fragment, which never reaches a server log or
 * a Referer.
 */
export class IdentityFlows {
  constructor(private readonly deps: IdentityFlowsDeps) {}

  async start(request: StartRequest): Promise<StartAnswer> {
    const provider = this.deps.providers.find(request.providerId);
    if (!provider) return { kind: "refused", status: 404, message: `There is no identity provider "${request.providerId}".` };
    const returnTo = this.returnTo(request.returnTo);
    if (returnTo === undefined)
      return { kind: "refused", status: 400, message: `return_to must be a URL under APP_URL (${this.deps.appUrl}).` };
    const loginHint = request.loginHint?.trim();
    if (loginHint !== undefined && (loginHint.length > LOGIN_HINT_MAX || /\p{Cc}/u.test(loginHint))) {
      return { kind: "refused", status: 400, message: `login_hint must be at most ${LOGIN_HINT_MAX} printable characters.` };
    }
    const binding = request.binding !== undefined && BINDING.test(request.binding) ? request.binding : generateOpaqueToken();
    const back = (reason: IdentityFailure): StartAnswer => ({
      kind: "redirect",
      location: withFragment(returnTo, { error: reason }),
      binding,
    });
    let linkTicketId: string | null = null;
    if (request.linkToken !== undefined) {
      try {
        const ticket = await this.deps.tickets.spend("LINK", request.linkToken, "link");
        if (ticket.provider !== provider.id) return back(IdentityFailure.INVALID_STATE);
        linkTicketId = ticket.id;
      } catch {
        return back(IdentityFailure.INVALID_STATE);
      }
    }
    const oidc = await loadOpenIdClient();
    const checks = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    let location: string;
    try {
      location = await this.deps.providers.authorizationUrl(provider, checks, loginHint || undefined);
    } catch (error) {
      if (error instanceof IdentityFlowError) return back(error.reason);
      throw error;
    }
    const now = this.deps.now();
    await this.deps.prisma.$transaction([
      // Flows that never came back are of no use: each start clears them away (an index range scan).
      this.deps.prisma.identityFlow.deleteMany({ where: { expiresAt: { lt: new Date(now) } } }),
      this.deps.prisma.identityFlow.create({
        data: {
          stateHash: hashOpaqueToken(checks.state),
          provider: provider.id,
          nonce: checks.nonce,
          codeVerifier: checks.codeVerifier,
          returnTo,
          bindingHash: hashOpaqueToken(binding),
          linkTicketId,
          createdAt: new Date(now),
          expiresAt: new Date(now + FLOW_TTL_SECONDS * 1000),
        },
      }),
    ]);
    return { kind: "redirect", location, binding };
  }

  /**
   * The URL the browser goes back to: always under APP_URL, with `#login_code=`, `#linked=` or
   * `#error=`; with the failure, for the log.
   */
  async callback(
    providerId: string,
    parameters: URLSearchParams,
    binding: string | undefined,
    client: ClientInfo,
  ): Promise<{ location: string; failure?: IdentityFlowError }> {
    const state = parameters.get("state");
    const now = this.deps.now();
    const flow = await this.takeFlow(state, providerId);
    if (!flow || flow.expiresAt.getTime() <= now) {
      const failure = new IdentityFlowError(IdentityFailure.INVALID_STATE);
      return { location: withFragment(`${this.deps.appUrl}/`, { error: failure.reason }), failure };
    }
    const provider = this.deps.providers.find(providerId);
    try {
      if (!provider) throw new IdentityFlowError(IdentityFailure.INVALID_STATE);
      if (binding === undefined || !sameHash(hashOpaqueToken(binding), flow.bindingHash)) {
        throw new IdentityFlowError(IdentityFailure.BROWSER_MISMATCH);
      }
      const identity = await this.deps.providers.exchangeCode(provider, parameters, {
        state: state!,
        nonce: flow.nonce,
        codeVerifier: flow.codeVerifier,
      });
      const { user, linked } = await accountForIdentity(this.deps.prisma, provider, identity, flow.linkTicketId, client, this.deps.now());
      if (linked) return { location: withFragment(flow.returnTo, { linked: provider.id }) };
      const code = await this.deps.tickets.issueLoginCode(user.id, provider.id, flow.bindingHash);
      return { location: withFragment(flow.returnTo, { login_code: code }) };
    } catch (error) {
      if (error instanceof IdentityFlowError) return { location: withFragment(flow.returnTo, { error: error.reason }), failure: error };
      throw error;
    }
  }

  /** One-time: the flow is deleted as it is read, and only the callback that deleted it goes on; a replay finds nothing. */
  private async takeFlow(state: string | null, providerId: string) {
    if (state === null || state.length > 200) return undefined;
    const flow = await this.deps.prisma.identityFlow.findUnique({ where: { stateHash: hashOpaqueToken(state) } });
    if (flow?.provider !== providerId) return undefined;
    const { count } = await this.deps.prisma.identityFlow.deleteMany({ where: { id: flow.id } });
    return count === 1 ? flow : undefined;
  }

  /** return_to, when it is under APP_URL (same origin, and the path at or below APP_URL's); no fragment kept. */
  private returnTo(raw: string | undefined): string | undefined {
    const app = new URL(`${this.deps.appUrl}/`);
    if (raw === undefined || raw === "") return app.href;
    if (raw.length > RETURN_TO_MAX) return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return undefined;
    }
    if (url.origin !== app.origin || url.username !== "" || url.password !== "" || !url.pathname.startsWith(app.pathname)) return undefined;
    url.hash = "";
    return url.href;
  }
}

function withFragment(url: string, values: Record<string, string>): string {
  return `${url}#${new URLSearchParams(values).toString()}`;
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
