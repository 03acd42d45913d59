import type crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DevIdentityProvider, newSigningKey } from "../../src/http/devIdentityProvider";

/**
 * A second OpenID provider for the tests, in this process on its own port: oidc-provider, as the
 * development provider is, behind a small server that lets a test misbehave as a real provider
 * might: publish other keys than it signs with, rotate its keys, or go down.
 */
export class TestIdentityProvider {
  readonly clientId = "test-client";
  readonly clientSecret = "test-client-secret";
  /** Emails whose `email_verified` the provider says is false. */
  readonly unverified = new Set<string>();
  /** Emails it gives no email for at all. */
  readonly withoutEmail = new Set<string>();
  /** While set, its JWKS endpoint answers these public keys instead of its own. */
  publishedKeysOverride: crypto.JsonWebKey[] | undefined;
  /** While true, every connection is cut: a provider that is down. */
  down = false;
  private provider: DevIdentityProvider | undefined;
  private redirectUris: string[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly issuer: string,
  ) {}

  static async start(): Promise<TestIdentityProvider> {
    let self: TestIdentityProvider | undefined;
    const server = http.createServer((request, response) => {
      void self!.serve(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    self = new TestIdentityProvider(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/idp`);
    return self;
  }

  /** An entry of OIDC_PROVIDERS for it (several ids may share it, each with its own callback). */
  settings(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { id, name: `Test provider ${id}`, issuer: this.issuer, clientId: this.clientId, clientSecret: this.clientSecret, ...extra };
  }

  /** (Re)starts the provider itself with new signing keys: a key rotation when it ran already. */
  async useKeys(redirectUris: string[], keys: crypto.JsonWebKey[] = [newSigningKey()]): Promise<void> {
    this.redirectUris = redirectUris;
    this.provider = await DevIdentityProvider.create({
      issuer: this.issuer,
      clientId: this.clientId,
      clientSecret: this.clientSecret,
      redirectUris,
      keys,
      accountClaims: (email) =>
        this.withoutEmail.has(email) ? { name: "No Email" } : { email, email_verified: !this.unverified.has(email), name: "Test User" },
    });
  }

  async rotateKeys(): Promise<void> {
    await this.useKeys(this.redirectUris);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (this.down || !this.provider) {
      request.socket.destroy();
      return;
    }
    if (this.publishedKeysOverride && request.url === "/idp/jwks") {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ keys: this.publishedKeysOverride }));
      return;
    }
    try {
      await this.provider.handle(request, response);
    } catch {
      if (!response.headersSent) response.statusCode = 500;
      response.end();
    }
  }
}
