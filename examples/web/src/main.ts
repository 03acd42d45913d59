// The story of the product in a user's eyes: "See my info" shows the login form until the user
// has logged in, then the user's own info and posts; logging out brings the login form back.
import { GraphQLRequestError } from "../../client/graphqlRequest";
import type { MyInfoFragment } from "../../generated/graphql";
import { ApiSession } from "./apiSession";

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html has no #${id}`);
  return found;
}

const loginSection = element("login");
const loginForm = element("login-form") as HTMLFormElement;
const loginProblem = element("login-problem");
const infoSection = element("my-info");
const problem = element("problem");
const activity = element("activity");
const draftForm = element("draft-form") as HTMLFormElement;
const postList = element("my-posts");

function report(line: string): void {
  const item = document.createElement("li");
  item.textContent = line;
  activity.append(item);
}

const session = new ApiSession(report);

/** Shows exactly one of the two views, or neither. */
function show(view: "login" | "info" | "nothing"): void {
  loginSection.hidden = view !== "login";
  infoSection.hidden = view !== "info";
  problem.textContent = "";
}

function showInfo(user: MyInfoFragment): void {
  element("info-name").textContent = user.name;
  element("info-email").textContent = user.email;
  element("info-role").textContent = user.role;
  element("info-created-at").textContent = new Date(user.createdAt).toLocaleString();
  show("info");
}

/** Errors that are not about logging in are shown as they are. */
function showProblem(error: unknown): void {
  problem.textContent = error instanceof Error ? error.message : String(error);
}

async function seeMyInfo(): Promise<void> {
  try {
    const user = await session.myInfo();
    report(`me: ${user.name} <${user.email}>`);
    showInfo(user);
  } catch (error) {
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

async function logIn(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const fields = new FormData(loginForm);
  loginProblem.textContent = "";
  try {
    await session.logIn(textField(fields, "email"), textField(fields, "password"));
  } catch (error) {
    loginProblem.textContent = error instanceof Error ? error.message : String(error);
    return;
  }
  loginForm.reset();
  await seeMyInfo();
}

async function logOut(): Promise<void> {
  try {
    await session.logOut();
    show("nothing");
  } catch (error) {
    // The page has forgotten the token either way; say why the server did not confirm.
    show("nothing");
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

element("see-my-info").addEventListener("click", () => void seeMyInfo());
loginForm.addEventListener("submit", (event) => void logIn(event));
element("logout").addEventListener("click", () => void logOut());
element("show-my-posts").addEventListener("click", () => void showMyPosts());
draftForm.addEventListener("submit", (event) => void writeDraft(event));
