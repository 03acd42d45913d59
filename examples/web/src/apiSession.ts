import {
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/browser";
import type { Client } from "graphql-ws";
import { GraphQLRequestError, graphqlRequest } from "../../client/graphqlRequest";
import { graphqlSocket, socketUrl, staySubscribed, type Subscription } from "../../client/graphqlSocket";
import { describeSessionEvent } from "../../client/sessionEvents";
import {
  ConfirmEmailChangeDocument,
  ConfirmTotpEnrollmentDocument,
  CreatePostDocument,
  FinishPasskeyLoginDocument,
  FinishPasskeyRegistrationDocument,
  ExchangeLoginCodeDocument,
  IdentityProvidersDocument,
  LoginDocument,
  LogoutDocument,
  MeDocument,
  MyPostsDocument,
  RefreshTokenDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  SessionEventsDocument,
  SignupDocument,
  StartPasskeyLoginDocument,
  StartPasskeyRegistrationDocument,
  StartTotpEnrollmentDocument,
  VerifyEmailDocument,
  VerifySecondFactorDocument,
  type IdentityProvidersQuery,
  type MeQuery,
  type MyInfoFragment,
  type StartTotpEnrollmentMutation,
  type MyPostFragment,
  type SessionTokensFragment,
  type TypedDocumentString,
} from "../../generated/graphql";

/** The page's own origin: Vite forwards /graphql to the API (see ../vite.config.mts). */
const API_URL = "/graphql";
/** How long the socket waits, after its token expired, before it refreshes the token itself. */
const EXPIRY_PAUSE_MS = 2_000;

/** Why the page's session stopped while it watched: ended (anywhere, by anyone), or its account disabled by an admin. */
export type SignedOutReason = "SESSION_ENDED" | "ACCOUNT_DISABLED";

/**
 * The browser's half of a session. The access token lives in this object only: gone on reload,
 * never in storage that other scripts could read later. The refresh token lives in an HttpOnly
 * cookie that page scripts cannot read at all; the browser sends it with requests to /graphql.
 */
export class ApiSession {
  private accessToken: string | undefined;
  private refreshing: Promise<MyInfoFragment> | undefined;
  private live: { socket: Client; sessionEvents: Subscription } | undefined;

  /** `report` hears every step, for the page's "What happened" list. */
  constructor(private readonly report: (line: string) => void) {}

  /** A new account, signed in at once; the API mails a link that verifies the address. */
  async signUp(name: string, email: string, password: string): Promise<void> {
    const { signup } = await graphqlRequest(API_URL, SignupDocument, { input: { name, email, password }, delivery: "COOKIE" });
    this.begin("signup", signup);
  }

  /**
   * On load: the access token died with the last page, but the refresh cookie may still hold a
   * session. One refresh says which: the user it belongs to, or undefined (log in). A reload is
   * then not a logout.
   */
  async resume(): Promise<MyInfoFragment | undefined> {
    try {
      return await this.refresh();
    } catch (error) {
      if (error instanceof GraphQLRequestError && error.code === "UNAUTHENTICATED") return undefined;
      throw error;
    }
  }

  /** Resolves to true when the account has two-step sign-in: the session is at level 1 until `verifySecondFactor`. */
  async logIn(email: string, password: string): Promise<boolean> {
    const { login } = await graphqlRequest(API_URL, LoginDocument, { input: { email, password }, delivery: "COOKIE" });
    this.begin("login", login);
    return login.secondFactorRequired;
  }

  /**
   * Signs in with a passkey: the browser asks the user to pick one of this site's passkeys and to
   * unlock it. The login's challenge is bound to this browser by an HttpOnly cookie the API sets.
   * Resolves to true when the session still awaits the account's code (a passkey without user
   * verification, on an account with two-step sign-in).
   */
  async logInWithPasskey(): Promise<boolean> {
    const { startPasskeyLogin } = await graphqlRequest(API_URL, StartPasskeyLoginDocument, {});
    // The API's JSON scalar is WebAuthn's own options object, as the library takes it.
    const optionsJSON = startPasskeyLogin as unknown as PublicKeyCredentialRequestOptionsJSON;
    const response = await startAuthentication({ optionsJSON });
    const { finishPasskeyLogin } = await graphqlRequest(API_URL, FinishPasskeyLoginDocument, {
      response: response as unknown as Record<string, unknown>,
      delivery: "COOKIE",
    });
    this.begin("finishPasskeyLogin", finishPasskeyLogin);
    return finishPasskeyLogin.secondFactorRequired;
  }

  /** Makes a passkey on this device (the browser asks the user to unlock it) and adds it to the account. */
  async addPasskey(): Promise<string> {
    const { startPasskeyRegistration } = await this.request(StartPasskeyRegistrationDocument, {});
    const optionsJSON = startPasskeyRegistration as unknown as PublicKeyCredentialCreationOptionsJSON;
    const response = await startRegistration({ optionsJSON });
    const { finishPasskeyRegistration } = await this.request(FinishPasskeyRegistrationDocument, {
      response: response as unknown as Record<string, unknown>,
      name: "This browser",
    });
    this.report(`finishPasskeyRegistration: passkey "${finishPasskeyRegistration.name}" added; it signs in without a password`);
    return finishPasskeyRegistration.name;
  }

  /** The identity providers to draw a sign-in button for. */
  async identityProviders(): Promise<IdentityProvidersQuery["identityProviders"]> {
    const { identityProviders } = await graphqlRequest(API_URL, IdentityProvidersDocument, {});
    return identityProviders;
  }

  /** After a provider's sign-in: the one-time login code for a session. True when two-step sign-in comes next. */
  async exchangeLoginCode(code: string): Promise<boolean> {
    const { exchangeLoginCode } = await graphqlRequest(API_URL, ExchangeLoginCodeDocument, { code, delivery: "COOKIE" });
    this.begin("exchangeLoginCode", exchangeLoginCode);
    return exchangeLoginCode.secondFactorRequired;
  }

  /** The second step: a code of the app (or a recovery code) raises this session to level 2, with a new pair. */
  async verifySecondFactor(code: string): Promise<void> {
    const { verifySecondFactor } = await this.request(VerifySecondFactorDocument, { code, delivery: "COOKIE" });
    this.begin("verifySecondFactor", verifySecondFactor);
  }

  /** A new secret for the authenticator app, pending until confirmed with one of its codes. */
  async startTotpEnrollment(): Promise<StartTotpEnrollmentMutation["startTotpEnrollment"]> {
    const { startTotpEnrollment } = await this.request(StartTotpEnrollmentDocument, {});
    this.report("startTotpEnrollment: a new secret, pending until a code of the app confirms it");
    return startTotpEnrollment;
  }

  /** Turns two-step sign-in on; resolves to the recovery codes, which the API shows this once. */
  async confirmTotpEnrollment(code: string): Promise<string[]> {
    const { confirmTotpEnrollment } = await this.request(ConfirmTotpEnrollmentDocument, { code });
    this.report(`confirmTotpEnrollment: two-step sign-in is on; ${confirmTotpEnrollment.length} recovery codes`);
    return confirmTotpEnrollment;
  }

  /** Mails a reset link when the email has an account; the API answers the same either way. */
  async requestPasswordReset(email: string): Promise<void> {
    await graphqlRequest(API_URL, RequestPasswordResetDocument, { email });
    this.report(`requestPasswordReset: a link goes to ${email} if it has an account`);
  }

  /** Sets a new password with the token of a reset link. Every other session ends; this one begins. */
  async resetPassword(token: string, newPassword: string): Promise<void> {
    const { resetPassword } = await graphqlRequest(API_URL, ResetPasswordDocument, { token, newPassword, delivery: "COOKIE" });
    this.report("resetPassword: new password set; every earlier session of the account has ended");
    this.begin("resetPassword", resetPassword);
  }

  /** Marks the account's email verified with the token of a verification link. */
  async verifyEmail(token: string): Promise<void> {
    await graphqlRequest(API_URL, VerifyEmailDocument, { token });
    this.report("verifyEmail: the email address is verified");
  }

  /** Makes the new address of an email-change link the account's; every session of the account ends. */
  async confirmEmailChange(token: string): Promise<void> {
    await graphqlRequest(API_URL, ConfirmEmailChangeDocument, { token });
    this.accessToken = undefined;
    this.report("confirmEmailChange: the new address is in place; every session of the account has ended");
  }

  async myInfo(): Promise<MeQuery["me"]> {
    return (await this.request(MeDocument, {})).me;
  }

  /** A new draft: only its author sees it until it is published. */
  async writeDraft(title: string, body: string): Promise<MyPostFragment> {
    return (await this.request(CreatePostDocument, { input: { title, body } })).createPost;
  }

  /** The first page of the user's own posts, newest first. */
  async myPosts(): Promise<MyPostFragment[]> {
    return (await this.request(MyPostsDocument, { first: 10 })).myPosts.edges.map((edge) => edge.node);
  }

  /**
   * Subscribes to the account's session events over the WebSocket on the page's origin (Vite
   * forwards it to the API), unless already subscribed. The socket sends the access token in
   * memory when it opens; when that token expires the API closes it (4401 "token expired"), and
   * the subscription goes on over a new socket after a refresh. When this session ends anywhere (a
   * logout on another device, a revoked session, a password change), the API closes the socket
   * with 4401 at once and the refresh is refused: the access token is forgotten and `onSignedOut`
   * runs, told whether the session ended or an admin disabled the account.
   */
  watchSessions(onSignedOut: (why: SignedOutReason) => void): void {
    if (this.live) return;
    /** The token the socket was opened with. */
    let sentToken: string | undefined;
    const socket = graphqlSocket(socketUrl(new URL(API_URL, window.location.href)), () => (sentToken = this.accessToken), {
      on: { connected: () => this.report("sessionEvents: connected; sign-ins and ended sessions of this account show here") },
    });
    const sessionEvents = staySubscribed(
      socket,
      SessionEventsDocument,
      {},
      ({ sessionEvents: event }) => this.report(`sessionEvents: ${describeSessionEvent(event)}`),
      async (close) => {
        this.report(`sessionEvents: the API closed the socket (${close.code} "${close.reason}"): connecting again with a fresh token`);
        // An expired token is what every request of the page meets at about the same moment: a
        // short pause lets one that is on its way refresh for both, as `request` shares refreshes.
        if (close.reason === "token expired") await new Promise((resolve) => setTimeout(resolve, EXPIRY_PAUSE_MS));
        if (this.accessToken === sentToken) await this.refresh();
      },
    );
    const live = { socket, sessionEvents };
    this.live = live;
    sessionEvents.ended.catch((error: unknown) => {
      // Stopped by the page meanwhile (a logout here): nothing to tell.
      if (this.live !== live) return;
      this.stopWatching();
      // The refresh after the close was refused (and has said so): this session has ended, or
      // the account was disabled (which ends its sessions too, and refuses the refresh as such).
      if (error instanceof GraphQLRequestError && error.code === "UNAUTHENTICATED") {
        onSignedOut("SESSION_ENDED");
        return;
      }
      if (error instanceof GraphQLRequestError && error.reason === "ACCOUNT_DISABLED") {
        onSignedOut("ACCOUNT_DISABLED");
        return;
      }
      this.report(`sessionEvents: stopped (${error instanceof Error ? error.message : String(error)})`);
    });
  }

  /** Closes the socket of `watchSessions`, if open. */
  stopWatching(): void {
    if (!this.live) return;
    this.live.sessionEvents.stop();
    void this.live.socket.dispose();
    this.live = undefined;
  }

  /** Ends the session on the server (which also clears the cookie), and forgets the access token. */
  async logOut(): Promise<void> {
    // This page's own logout closes the socket too; that is not news for the page.
    this.stopWatching();
    try {
      await this.request(LogoutDocument, {});
      this.report("logout: the session has ended on the server");
    } finally {
      this.accessToken = undefined;
    }
  }

  /** A session that `operation` started: its access token stays here, its refresh token in the cookie. */
  private begin(operation: string, tokens: SessionTokensFragment): void {
    this.accessToken = tokens.accessToken;
    this.report(`${operation}: access token kept in memory until ${tokens.accessTokenExpiresAt}; refresh token set as an HttpOnly cookie`);
  }

  /** Sends the access token; when the API says it has expired, refreshes and retries once. */
  private async request<TData, TVariables>(document: TypedDocumentString<TData, TVariables>, variables: TVariables): Promise<TData> {
    const sentToken = this.accessToken;
    try {
      return await graphqlRequest(API_URL, document, variables, sentToken);
    } catch (error) {
      const expired = error instanceof GraphQLRequestError && error.reason === "TOKEN_EXPIRED";
      if (!expired || sentToken === undefined) throw error;
      this.report("the API says the access token has expired: refreshing it");
      // Another request may have refreshed while this one was on its way.
      if (this.accessToken === sentToken) await this.refresh();
      return graphqlRequest(API_URL, document, variables, this.accessToken);
    }
  }

  /**
   * One refresh at a time. Each refresh spends the cookie's refresh token and sets its successor;
   * two refreshes racing would present the same token twice, which the API treats as theft.
   */
  private refresh(): Promise<MyInfoFragment> {
    this.refreshing ??= this.exchangeRefreshCookie().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async exchangeRefreshCookie(): Promise<MyInfoFragment> {
    try {
      const { refreshToken } = await graphqlRequest(API_URL, RefreshTokenDocument, { delivery: "COOKIE" });
      this.accessToken = refreshToken.accessToken;
      this.report(`refreshToken: new access token until ${refreshToken.accessTokenExpiresAt}; new refresh cookie`);
      return refreshToken.user;
    } catch (error) {
      this.accessToken = undefined;
      if (error instanceof GraphQLRequestError) this.report(`refreshToken: refused (${error.reason ?? error.code}): log in again`);
      throw error;
    }
  }
}
