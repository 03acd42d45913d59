// A program's half of a session: the access token and the refresh token (delivered in the answer's
// body), and their renewal. Used by the Node.js examples; the browser page keeps its refresh token
// in a cookie instead (examples/web/src/apiSession.ts).
import { RefreshTokenDocument, type SessionTokensFragment } from "../generated/graphql";
import { graphqlRequest } from "./graphqlRequest";

export class SessionTokens {
  private tokens: SessionTokensFragment | undefined;
  private refreshing: Promise<SessionTokensFragment> | undefined;

  /** `onRenewed` hears every new pair that `refresh` gets, for a program that says what it does. */
  constructor(
    private readonly url: string,
    private readonly onRenewed?: (tokens: SessionTokensFragment) => void,
  ) {}

  /** Keeps the pair of a session that just started (a signup, a login, ...). */
  begin(tokens: SessionTokensFragment): void {
    this.tokens = tokens;
  }

  /** The access token to send now; undefined before `begin`. */
  get accessToken(): string | undefined {
    return this.tokens?.accessToken;
  }

  /**
   * Exchanges the refresh token for a new pair. One refresh at a time: each spends the refresh
   * token, and two racing would present the same token twice, which the API treats as theft.
   */
  refresh(): Promise<SessionTokensFragment> {
    this.refreshing ??= this.exchange().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async exchange(): Promise<SessionTokensFragment> {
    if (this.tokens === undefined) throw new Error("No session to refresh: sign in first.");
    const { refreshToken } = await graphqlRequest(this.url, RefreshTokenDocument, { token: this.tokens.refreshToken });
    this.tokens = refreshToken;
    this.onRenewed?.(refreshToken);
    return refreshToken;
  }
}
