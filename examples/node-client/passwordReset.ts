// "Forgot password?", told by a program: ask for a reset link, take the link from the mail, set a
// new password with its token, and ask `me` in the session that the reset started.
import { graphqlRequest } from "../client/graphqlRequest";
import { MeDocument, RequestPasswordResetDocument, ResetPasswordDocument } from "../generated/graphql";
import { describeTokens, describeUser, narration, UnexpectedAnswer } from "./story";

export interface PasswordReset {
  /** Ask for a link for this email first; without it, the link is one asked for earlier. */
  email?: string;
  newPassword: string;
  /** The link from the mail (or only its token) when it was given up front; else `readLink` asks for it. */
  link?: string;
  /** The link from the mail, or only its token, as the user pastes it. */
  readLink: () => Promise<string>;
  /** Where the API writes the mail as a file when it has no SMTP server: its DATA_DIR/mail/. */
  mailFolder: string;
}

export async function resetThePassword(url: string, reset: PasswordReset, print: (line: string) => void): Promise<void> {
  const { heading, detail } = narration(print);

  if (reset.email !== undefined) {
    heading(`Ask for a password reset link for ${reset.email}`);
    const { requestPasswordReset } = await graphqlRequest(url, RequestPasswordResetDocument, { email: reset.email });
    if (!requestPasswordReset) throw new UnexpectedAnswer("requestPasswordReset answered false.");
    detail("requestPasswordReset: true, whether or not the email has an account; if it has one, a link is on its way.");
    detail(`Without SMTP_URL the API writes the mail as an .eml file under ${reset.mailFolder} and logs its link.`);
  }

  let link = reset.link;
  if (link === undefined) {
    heading("Paste the link from the mail (or only its token), then press Enter:");
    link = await reset.readLink();
  }
  const token = tokenOfLink(link);

  heading("Set the new password with the link's token: every other session of the account ends");
  const { resetPassword } = await graphqlRequest(url, ResetPasswordDocument, { token, newPassword: reset.newPassword });
  detail(`new session for ${describeUser(resetPassword.user)}`);
  describeTokens(resetPassword, detail);

  heading("Ask `me` with the new access token");
  detail(`me: ${describeUser((await graphqlRequest(url, MeDocument, {}, resetPassword.accessToken)).me)}`);
}

/** The `token` of a pasted link such as APP_URL/reset-password?token=..., or the pasted text itself. */
function tokenOfLink(pasted: string): string {
  const text = pasted.trim();
  if (text === "") throw new Error("No link was given: paste the link from the mail, or pass it with --link.");
  if (!/^https?:\/\//.test(text)) return text;
  const token = new URL(text).searchParams.get("token");
  if (token === null) throw new Error(`That link has no token=... in it: ${text}`);
  return token;
}
