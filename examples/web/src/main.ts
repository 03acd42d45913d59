// The story of the product in a user's eyes: on load, the session of the refresh cookie goes on
// (a reload is not a logout), else the login form shows, with a way to sign up; "See my info"
// shows the user's own info and posts; logging out brings the login form back, "Logged out".
// "Forgot password?" asks for a reset link by mail; the link (APP_URL/reset-password?token=...)
// opens this page with a "Choose a new password" form, whose answer is a session, as a login's.
// Verification and email-change links (APP_URL/verify-email, /confirm-email-change) open it too,
// with one button that uses the link. "Two-step sign-in" sets up an authenticator app (QR code,
// then a code of the app, then the recovery codes, shown once); from then on, a password login
// asks for the app's code before the info. "Add a passkey" makes a passkey on this device; "Sign in
// with a passkey" at the login form then signs in with it, without the password.
// A button per identity provider signs in there; the provider's answer comes back to this page as
// #login_code=... (or #error=...), exchanged for a session.
// While signed in, the page subscribes to the account's session events over a WebSocket: when this
// session ends on another device, it shows the login form with "Signed out on another device" at once
// (or "This account has been disabled." when an admin did that).
import { ApiUnreachableError, GraphQLRequestError } from "../../client/graphqlRequest";
import type { MeQuery } from "../../generated/graphql";
import { ApiSession, type SignedOutReason } from "./apiSession";

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html has no #${id}`);
  return found;
}

const loginSection = element("login");
const loginForm = element("login-form") as HTMLFormElement;
const loginProblem = element("login-problem");
const loginStatus = element("login-status");
const signupSection = element("signup");
const signupForm = element("signup-form") as HTMLFormElement;
const signupProblem = element("signup-problem");
const secondStepSection = element("second-step");
const secondStepForm = element("second-step-form") as HTMLFormElement;
const secondStepProblem = element("second-step-problem");
const twoStepStatus = element("two-step-status");
const twoStepStart = element("two-step-start") as HTMLButtonElement;
const twoStepEnrol = element("two-step-enrol");
const twoStepConfirmForm = element("two-step-confirm-form") as HTMLFormElement;
const twoStepProblem = element("two-step-problem");
const twoStepCodes = element("two-step-codes");
const requestResetSection = element("request-reset");
const requestResetForm = element("request-reset-form") as HTMLFormElement;
const requestResetSent = element("request-reset-sent");
const requestResetProblem = element("request-reset-problem");
const resetSection = element("reset-password");
const resetForm = element("reset-password-form") as HTMLFormElement;
const resetProblem = element("reset-password-problem");
const mailedLinkSection = element("mailed-link");
const mailedLinkText = element("mailed-link-text");
const mailedLinkUse = element("mailed-link-use") as HTMLButtonElement;
const mailedLinkProblem = element("mailed-link-problem");
const infoSection = element("my-info");
const passkeyList = element("passkeys");
const passkeyStatus = element("passkey-status");
const passkeyProblem = element("passkey-problem");
const problem = element("problem");
const activity = element("activity");
const activityLog = element("activity-log");
const draftForm = element("draft-form") as HTMLFormElement;
const postList = element("my-posts");

function report(line: string): void {
  const item = document.createElement("li");
  item.textContent = line;
  activity.append(item);
  activityLog.hidden = false;
}

const session = new ApiSession(report);

type View = "login" | "signup" | "second-step" | "request-reset" | "reset" | "mailed-link" | "info" | "nothing";
/** Counts the views shown, so that an answer that comes late can tell whether the user moved on. */
let viewsShown = 0;

/**
 * What the signed-in view showed of the account, forgotten as soon as another view replaces it
 * (a logout, an ended session): the next person at this browser must not find it in the page,
 * least of all a TOTP secret or recovery codes, which are shown once.
 */
function forgetAccountViews(): void {
  for (const id of ["info-name", "info-email", "info-role", "info-created-at", "two-step-status", "two-step-secret"]) {
    element(id).textContent = "";
  }
  element("two-step-qr").removeAttribute("src");
  element("recovery-codes").replaceChildren();
  postList.replaceChildren();
  passkeyList.replaceChildren();
  passkeyStatus.textContent = "";
  passkeyProblem.textContent = "";
  twoStepEnrol.hidden = true;
  twoStepCodes.hidden = true;
  twoStepConfirmForm.reset();
  draftForm.reset();
}

/** Shows exactly one of the views, or none. Only the signed-in view watches the account's sessions live. */
function show(view: View): void {
  viewsShown += 1;
  if (view !== "info") {
    forgetAccountViews();
    session.stopWatching();
  }
  loginSection.hidden = view !== "login";
  loginStatus.textContent = "";
  signupSection.hidden = view !== "signup";
  secondStepSection.hidden = view !== "second-step";
  requestResetSection.hidden = view !== "request-reset";
  resetSection.hidden = view !== "reset";
  mailedLinkSection.hidden = view !== "mailed-link";
  infoSection.hidden = view !== "info";
  problem.textContent = "";
}

/** Shows a form's view and puts the cursor in its first field. */
function showForm(view: "login" | "signup" | "second-step" | "request-reset" | "reset", form: HTMLFormElement): void {
  show(view);
  form.querySelector("input")?.focus();
}

/** Where `npm run web` forwards /graphql (vite.config.mts), for saying which API does not answer. */
declare const __API_ORIGIN__: string;

function messageOf(error: unknown): string {
  // A 502 from the page's server, or no answer at all (fetch rejects with a TypeError).
  if (error instanceof ApiUnreachableError || error instanceof TypeError) {
    return `The API at ${__API_ORIGIN__} is not answering. Start it with "npm start" in the repository (or set API_ORIGIN for "npm run web" to where it runs), then try again.`;
  }
  return error instanceof Error ? error.message : String(error);
}

function showInfo(user: MeQuery["me"]): void {
  element("info-name").textContent = user.name;
  element("info-email").textContent = user.email;
  element("info-role").textContent = user.role;
  element("info-created-at").textContent = new Date(user.createdAt).toLocaleString();
  const twoStepOn = (user.secondFactors ?? []).length > 0;
  twoStepStatus.textContent = twoStepOn ? "On: signing in takes your password and a code." : "Off: signing in takes your password only.";
  twoStepStart.hidden = twoStepOn;
  passkeyList.replaceChildren(...(user.passkeys ?? []).map((passkey) => listItem(passkey.name)));
  show("info");
  session.watchSessions(signedOutElsewhere);
}

/** This session ended on another device, or an admin disabled the account: the login form says which, at once. */
function signedOutElsewhere(why: SignedOutReason): void {
  showForm("login", loginForm);
  loginStatus.textContent = why === "ACCOUNT_DISABLED" ? "This account has been disabled." : "Signed out on another device.";
}

function listItem(text: string): HTMLLIElement {
  const item = document.createElement("li");
  item.textContent = text;
  return item;
}

/** Errors that are not about logging in are shown as they are. */
function showProblem(error: unknown): void {
  problem.textContent = messageOf(error);
}

async function seeMyInfo(): Promise<void> {
  try {
    const user = await session.myInfo();
    report(`me: ${user.name} <${user.email}>`);
    showInfo(user);
  } catch (error) {
    if (error instanceof GraphQLRequestError && error.reason === "SECOND_FACTOR_REQUIRED") {
      report("me: FORBIDDEN (SECOND_FACTOR_REQUIRED): asking for the code");
      showForm("second-step", secondStepForm);
      return;
    }
    if (!(error instanceof GraphQLRequestError && error.code === "UNAUTHENTICATED")) {
      showProblem(error);
      return;
    }
    report(`me: ${error.code} (${error.reason}): showing the login form`);
    show("login");
  }
}

/** A text input's value from the form's data. */
function textField(fields: FormData, name: string): string {
  const value = fields.get(name);
  return typeof value === "string" ? value : "";
}

async function signUp(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const fields = new FormData(signupForm);
  signupProblem.textContent = "";
  problem.textContent = "";
  try {
    await session.signUp(textField(fields, "name"), textField(fields, "email"), textField(fields, "password"));
  } catch (error) {
    signupProblem.textContent = messageOf(error);
    return;
  }
  signupForm.reset();
  await seeMyInfo();
}

async function logIn(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const fields = new FormData(loginForm);
  loginProblem.textContent = "";
  problem.textContent = "";
  let secondFactorRequired: boolean;
  try {
    secondFactorRequired = await session.logIn(textField(fields, "email"), textField(fields, "password"));
  } catch (error) {
    loginProblem.textContent = messageOf(error);
    return;
  }
  loginForm.reset();
  if (secondFactorRequired) {
    report("login: the account has two-step sign-in; asking for the code");
    secondStepProblem.textContent = "";
    showForm("second-step", secondStepForm);
    return;
  }
  await seeMyInfo();
}

/** "Sign in with a passkey": no email, no password; the browser offers this site's passkeys. */
async function logInWithPasskey(): Promise<void> {
  loginProblem.textContent = "";
  problem.textContent = "";
  let secondFactorRequired: boolean;
  try {
    secondFactorRequired = await session.logInWithPasskey();
  } catch (error) {
    // The user closed the browser's prompt, or the API refused the passkey: said at the login form.
    loginProblem.textContent = messageOf(error);
    return;
  }
  if (secondFactorRequired) {
    report("finishPasskeyLogin: this passkey did not verify you; asking for the app's code");
    showForm("second-step", secondStepForm);
    return;
  }
  await seeMyInfo();
}

/** "Add a passkey": the browser makes one on this device; the list shows it. */
async function addPasskey(): Promise<void> {
  passkeyStatus.textContent = "";
  passkeyProblem.textContent = "";
  try {
    const name = await session.addPasskey();
    passkeyList.append(listItem(name));
    passkeyStatus.textContent = "Passkey added. Next time, sign in with it: no password needed.";
  } catch (error) {
    passkeyProblem.textContent = messageOf(error);
  }
}

async function verifySecondFactor(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  secondStepProblem.textContent = "";
  try {
    await session.verifySecondFactor(textField(new FormData(secondStepForm), "code"));
  } catch (error) {
    secondStepProblem.textContent = messageOf(error);
    return;
  }
  secondStepForm.reset();
  await seeMyInfo();
}

/** Shows the QR code of a new secret; the app's code confirms it. */
async function startTwoStep(): Promise<void> {
  twoStepProblem.textContent = "";
  try {
    const enrolment = await session.startTotpEnrollment();
    // As an image, not as markup in this page: an SVG shown this way runs no script.
    (element("two-step-qr") as HTMLImageElement).src = `data:image/svg+xml;base64,${btoa(enrolment.qrCodeSvg)}`;
    element("two-step-secret").textContent = enrolment.secret;
  } catch (error) {
    showProblem(error);
    return;
  }
  twoStepStart.hidden = true;
  twoStepCodes.hidden = true;
  twoStepEnrol.hidden = false;
  twoStepConfirmForm.querySelector("input")?.focus();
}

async function confirmTwoStep(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  twoStepProblem.textContent = "";
  let codes: string[];
  try {
    codes = await session.confirmTotpEnrollment(textField(new FormData(twoStepConfirmForm), "code"));
  } catch (error) {
    twoStepProblem.textContent = messageOf(error);
    return;
  }
  twoStepConfirmForm.reset();
  twoStepEnrol.hidden = true;
  element("recovery-codes").replaceChildren(
    ...codes.map((code) => {
      const item = document.createElement("li");
      item.textContent = code;
      return item;
    }),
  );
  twoStepCodes.hidden = false;
  twoStepStatus.textContent = "On: signing in takes your password and a code.";
}

/** "Forgot password?": the email typed at the login form, if any, is the one to send a link to. */
function forgotPassword(): void {
  const typed = textField(new FormData(loginForm), "email");
  requestResetForm.reset();
  (requestResetForm.elements.namedItem("email") as HTMLInputElement).value = typed;
  requestResetSent.textContent = "";
  requestResetProblem.textContent = "";
  showForm("request-reset", requestResetForm);
}

async function requestPasswordReset(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  requestResetSent.textContent = "";
  requestResetProblem.textContent = "";
  try {
    await session.requestPasswordReset(textField(new FormData(requestResetForm), "email"));
  } catch (error) {
    requestResetProblem.textContent = messageOf(error);
    return;
  }
  // The same words whether or not the email has an account: the API does not say either.
  requestResetSent.textContent = "If an account exists, a link is on its way. Open it to choose a new password.";
}

/** The pages of the links the API mails (APP_URL/<page>?token=...). */
const LINK_PAGES = ["reset-password", "verify-email", "confirm-email-change"] as const;
type LinkPage = (typeof LINK_PAGES)[number];

/**
 * The mailed link this page was opened with, if it was. Its token is taken out of the address at
 * once, so that it stays out of the history, bookmarks and shared screenshots.
 */
function mailedLink(): { page: LinkPage; token: string } | undefined {
  const address = new URL(window.location.href);
  const token = address.searchParams.get("token");
  const page = LINK_PAGES.find((name) => address.pathname.endsWith(`/${name}`));
  if (page === undefined || token === null) return undefined;
  window.history.replaceState(null, "", new URL(".", address).pathname);
  return { page, token };
}

/**
 * A verification or email-change link: the page says what the link will do, and only the button
 * uses it, so a mail scanner that opens the link spends nothing.
 */
function offerLink(title: string, text: string, action: string, use: () => Promise<string>): void {
  element("mailed-link-title").textContent = title;
  mailedLinkText.textContent = text;
  mailedLinkUse.textContent = action;
  mailedLinkUse.addEventListener("click", () => {
    mailedLinkProblem.textContent = "";
    use().then(
      (done) => {
        mailedLinkText.textContent = done;
        mailedLinkUse.hidden = true;
      },
      (error: unknown) => (mailedLinkProblem.textContent = messageOf(error)),
    );
  });
  show("mailed-link");
}

async function resetPassword(event: SubmitEvent, token: string): Promise<void> {
  event.preventDefault();
  resetProblem.textContent = "";
  try {
    await session.resetPassword(token, textField(new FormData(resetForm), "newPassword"));
  } catch (error) {
    // A used or expired link says "Ask for a new one"; a password the rules refuse leaves the link usable.
    resetProblem.textContent = messageOf(error);
    return;
  }
  resetForm.reset();
  await seeMyInfo();
}

async function logOut(): Promise<void> {
  try {
    await session.logOut();
    showForm("login", loginForm);
    loginStatus.textContent = "Logged out.";
  } catch (error) {
    // The page has forgotten the token either way; say why the server did not confirm.
    showForm("login", loginForm);
    showProblem(error);
  }
}

/** One button per identity provider, under the login form: a link that starts the sign-in there. */
async function drawProviderButtons(): Promise<void> {
  const providers = await session.identityProviders();
  const returnTo = new URL("/", window.location.href).href;
  element("providers").replaceChildren(
    ...providers.map(({ id, name }) => {
      const button = document.createElement("a");
      button.href = `/auth/${encodeURIComponent(id)}/start?return_to=${encodeURIComponent(returnTo)}`;
      button.textContent = `Sign in with ${name}`;
      button.setAttribute("role", "button");
      return button;
    }),
  );
}

const PROVIDER_PROBLEMS: Record<string, string> = {
  ACCESS_DENIED: "You declined at the provider.",
  ACCOUNT_EXISTS: "An account has this email already: log in with its password, then link the provider.",
  PROVIDER_UNAVAILABLE: "The provider is not answering. Try again later, or log in with your password.",
};

/**
 * Back from a provider: the fragment holds a one-time login code, or why it failed. It is read
 * once and removed from the address, so that it stays out of the history and bookmarks.
 */
async function finishProviderSignIn(answer: URLSearchParams): Promise<void> {
  window.history.replaceState(null, "", window.location.pathname);
  const code = answer.get("login_code");
  if (code === null) {
    const reason = answer.get("error") ?? "UNKNOWN";
    await drawProviderButtons().catch(showProblem);
    showForm("login", loginForm);
    loginProblem.textContent = `Sign-in with the provider failed (${reason}). ${PROVIDER_PROBLEMS[reason] ?? "Try again."}`;
    return;
  }
  try {
    if (await session.exchangeLoginCode(code)) {
      report("provider sign-in: the account has two-step sign-in; asking for the code");
      showForm("second-step", secondStepForm);
      return;
    }
  } catch (error) {
    await drawProviderButtons().catch(showProblem);
    showForm("login", loginForm);
    loginProblem.textContent = messageOf(error);
    return;
  }
  await seeMyInfo();
}

/** On load: the cookie's session goes on, or the login form shows; unless the user moved on meanwhile. */
async function resumeSession(): Promise<void> {
  const viewsBefore = viewsShown;
  try {
    const user = await session.resume();
    if (viewsShown !== viewsBefore) return;
    if (user) {
      report(`on load: your session goes on, ${user.name} <${user.email}>`);
      // The info view also shows the account's second factors, which only `me` tells.
      await seeMyInfo();
    } else {
      report("on load: no session to resume: showing the login form");
      await drawProviderButtons();
      if (viewsShown !== viewsBefore) return;
      showForm("login", loginForm);
    }
  } catch (error) {
    if (viewsShown !== viewsBefore) return;
    showForm("login", loginForm);
    showProblem(error);
  }
}

/** The user's own posts: something only they and the API know about. */
async function showMyPosts(): Promise<void> {
  try {
    const posts = await session.myPosts();
    postList.replaceChildren(
      ...posts.map((post) => {
        const item = document.createElement("li");
        item.textContent = `${post.title} (${post.published ? "published" : "draft"})`;
        return item;
      }),
    );
    report(`myPosts: ${posts.length} of your posts`);
  } catch (error) {
    showProblem(error);
  }
}

async function writeDraft(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const fields = new FormData(draftForm);
  try {
    const post = await session.writeDraft(textField(fields, "title"), textField(fields, "body"));
    report(`createPost: draft "${post.title}"`);
    draftForm.reset();
  } catch (error) {
    showProblem(error);
    return;
  }
  await showMyPosts();
}

// The explorer is served by the API itself, which this page's server does not forward to whole.
element("explorer-link").setAttribute("href", `${__API_ORIGIN__}/graphql`);
element("see-my-info").addEventListener("click", () => void seeMyInfo());
loginForm.addEventListener("submit", (event) => void logIn(event));
signupForm.addEventListener("submit", (event) => void signUp(event));
element("show-signup").addEventListener("click", () => showForm("signup", signupForm));
element("back-to-login-from-signup").addEventListener("click", () => showForm("login", loginForm));
secondStepForm.addEventListener("submit", (event) => void verifySecondFactor(event));
twoStepStart.addEventListener("click", () => void startTwoStep());
twoStepConfirmForm.addEventListener("submit", (event) => void confirmTwoStep(event));
element("forgot-password").addEventListener("click", forgotPassword);
element("passkey-login").addEventListener("click", () => void logInWithPasskey());
element("add-passkey").addEventListener("click", () => void addPasskey());
requestResetForm.addEventListener("submit", (event) => void requestPasswordReset(event));
element("back-to-login").addEventListener("click", () => showForm("login", loginForm));
element("ask-for-new-link").addEventListener("click", forgotPassword);
element("logout").addEventListener("click", () => void logOut());
element("show-my-posts").addEventListener("click", () => void showMyPosts());
draftForm.addEventListener("submit", (event) => void writeDraft(event));

// Opened from a mailed link. A reset link's form asks for the new password, and only submitting it
// spends the link, so a mail scanner that opens the link spends nothing.
const link = mailedLink();
if (link?.page === "reset-password") {
  resetForm.addEventListener("submit", (event) => void resetPassword(event, link.token));
  showForm("reset", resetForm);
} else if (link?.page === "verify-email") {
  offerLink("Verify your email", "This link confirms that the address is yours.", "Verify my email", async () => {
    await session.verifyEmail(link.token);
    return "Your email address is verified.";
  });
} else if (link?.page === "confirm-email-change") {
  offerLink("Confirm your new email", "This link makes this address your account's email.", "Use this address", async () => {
    await session.confirmEmailChange(link.token);
    return "Your account now uses this address. Every session has ended: log in with it.";
  });
} else if (/^#(login_code|error)=/.test(window.location.hash)) {
  void finishProviderSignIn(new URLSearchParams(window.location.hash.slice(1)));
} else {
  void resumeSession();
}
