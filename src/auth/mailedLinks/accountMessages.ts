import type { User } from "../../generated/prisma/client";
import type { MailMessage } from "../../mail/mailer";

/**
 * An account's address, with the user's name only when the address is proven to be theirs (it has
 * received a link and the link was opened). Mail to an address not so proven carries no text a
 * user chose: someone can sign up with, or ask to move to, anybody's address, and a name such as
 * "Security: account locked, unlock at https://..." would reach that inbox in a genuine mail of
 * ours (docs/security.md, "Mailed links").
 */
export interface AccountAddress {
  email: string;
  provenOwnerName: string | undefined;
}

/** The user's address as mail may address it: by name only once it is verified. */
export function accountAddress(user: Pick<User, "email" | "name" | "emailVerifiedAt">): AccountAddress {
  return { email: user.email, provenOwnerName: user.emailVerifiedAt === null ? undefined : user.name };
}

/**
 * The account mails, each in plain text and HTML, with links into the web app at APP_URL. The token
 * travels in the query string; the pages that open these links should answer with
 * `Referrer-Policy: no-referrer` so that it does not leak to other sites (docs/security.md).
 */
export class AccountMessages {
  constructor(private readonly appUrl: string) {}

  /** To an address not yet proven, which is what it proves: no name. */
  verifyEmail(email: string, token: string, ttlSeconds: number): MailMessage {
    return this.withLink({ email, provenOwnerName: undefined }, token, "/verify-email", {
      subject: "Verify your email address",
      intro: `Please confirm that ${email} is your email address by opening this link:`,
      action: "Verify my email address",
      outro: `The link works once, for ${lifetime(ttlSeconds)}. If you did not sign up, ignore this message.`,
    });
  }

  passwordReset(to: AccountAddress, token: string, ttlSeconds: number): MailMessage {
    return this.withLink(to, token, "/reset-password", {
      subject: "Reset your password",
      intro: "Someone, hopefully you, asked to reset the password of your account. To choose a new password, open this link:",
      action: "Choose a new password",
      outro: `The link works once, for ${lifetime(ttlSeconds)}, and signs you out on every device. If you did not ask for it, ignore this message: your password stays as it is.`,
    });
  }

  /** To the new address, which proves nothing until the link is opened: no name. */
  confirmEmailChange(newEmail: string, token: string, ttlSeconds: number): MailMessage {
    return this.withLink({ email: newEmail, provenOwnerName: undefined }, token, "/confirm-email-change", {
      subject: "Confirm your new email address",
      intro: `To make ${newEmail} the email address of your account, open this link:`,
      action: "Use this email address",
      outro: `The link works once, for ${lifetime(ttlSeconds)}. Until it is used, your account keeps its current address. If you did not ask for this, ignore this message.`,
    });
  }

  /**
   * To the old address: the change needs the new one's link, so this one only warns. The new
   * address is the asker's text, so it is named only to a proven owner.
   */
  emailChangeRequested(to: AccountAddress, newEmail: string): MailMessage {
    const newAddress = to.provenOwnerName === undefined ? "another address" : newEmail;
    return notice(to.email, "Your email address is about to change", [
      greeting(to),
      `Someone who knows your password asked to change the email address of your account to ${newAddress}. It changes only when the link mailed to that address is opened.`,
      "If this was not you, change your password now: whoever asked knows it.",
    ]);
  }

  /**
   * To an address that already has an account, asked for as another account's new address: no
   * link, and nothing of the asking account (its name, its address), since this mailbox has proved
   * nothing to that account and that account must learn nothing about this one.
   */
  addressAlreadyRegistered(email: string): MailMessage {
    return notice(email, "Someone tried to use your email address", [
      "Hello,",
      "Someone asked to make this address the email address of another account with us. Nothing has changed: this address stays with your account, and no link was sent.",
      "You need do nothing. If it was you, use an address that has no account yet.",
    ]);
  }

  secondFactorAdded(to: AccountAddress): MailMessage {
    return notice(to.email, "Two-step sign-in is on", [
      greeting(to),
      "An authenticator app was just set up for your account: from now on, signing in takes your password and a code from the app.",
      "If this was not you, someone has your password and a signed-in session: reset your password and tell an admin.",
    ]);
  }

  secondFactorRemoved(to: AccountAddress, byAdmin: boolean, passkeysKept: number): MailMessage {
    return notice(to.email, "Two-step sign-in is off", [
      greeting(to),
      byAdmin
        ? "An admin removed the authenticator app and the recovery codes of your account, and every session of it has ended. Signing in no longer asks for a code."
        : "The authenticator app and the recovery codes of your account were just removed. Signing in no longer asks for a code.",
      ...(passkeysKept > 0
        ? [
            `Your ${passkeysKept === 1 ? "passkey was" : `${passkeysKept} passkeys were`} kept and still sign in. If one was on a device you lost, sign in and delete it.`,
          ]
        : []),
      "If you did not ask for this, reset your password, set up two-step sign-in again, and tell an admin.",
    ]);
  }

  /** The passkey's name is the user's text: named only to a proven owner. */
  passkeyAdded(to: AccountAddress, name: string): MailMessage {
    return notice(to.email, "A passkey was added to your account", [
      greeting(to),
      `A passkey${to.provenOwnerName === undefined ? "" : ` ("${name}")`} was just added to your account: it can now sign in without your password.`,
      "If this was not you, someone has a signed-in session of your account: delete the passkey, reset your password and tell an admin.",
    ]);
  }

  passkeyRemoved(to: AccountAddress, name: string): MailMessage {
    return notice(to.email, "A passkey was removed from your account", [
      greeting(to),
      `A passkey${to.provenOwnerName === undefined ? "" : ` ("${name}")`} was just removed from your account: it signs in no more.`,
      "If this was not you, reset your password and tell an admin.",
    ]);
  }

  recoveryCodesLow(to: AccountAddress, left: number): MailMessage {
    return notice(to.email, "Your recovery codes are running out", [
      greeting(to),
      `A recovery code was just used to sign in to your account. ${left === 0 ? "None is left" : `${left} ${left === 1 ? "is" : "are"} left`}: make new ones in your account settings while you still can sign in.`,
      "If this was not you, someone has your password and a recovery code: reset your password and tell an admin.",
    ]);
  }

  private withLink(
    to: AccountAddress,
    token: string,
    page: string,
    words: { subject: string; intro: string; action: string; outro: string },
  ): MailMessage {
    const link = `${this.appUrl}${page}?token=${encodeURIComponent(token)}`;
    return {
      to: to.email,
      subject: words.subject,
      link,
      text: `${greeting(to)}\n\n${words.intro}\n\n${link}\n\n${words.outro}\n`,
      html: [
        `<p>${escapeHtml(greeting(to))}</p>`,
        `<p>${escapeHtml(words.intro)}</p>`,
        `<p><a href="${escapeHtml(link)}">${escapeHtml(words.action)}</a></p>`,
        `<p>${escapeHtml(words.outro)}</p>`,
      ].join("\n"),
    };
  }
}

/** "Hello Ada," to a proven owner; "Hello," to anyone else. */
function greeting(to: AccountAddress): string {
  return to.provenOwnerName === undefined ? "Hello," : `Hello ${to.provenOwnerName},`;
}

/** A message without a link: paragraphs of plain text, and the same as HTML paragraphs. */
function notice(to: string, subject: string, paragraphs: string[]): MailMessage {
  return {
    to,
    subject,
    text: paragraphs.join("\n\n") + "\n",
    html: paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join("\n"),
  };
}

/** "1 hour", "24 hours", "30 minutes": how long a link works, in the words of the message. */
function lifetime(seconds: number): string {
  const [amount, unit] = seconds % 3600 === 0 ? [seconds / 3600, "hour"] : [Math.ceil(seconds / 60), "minute"];
  return `${amount} ${unit}${amount === 1 ? "" : "s"}`;
}

/** Names and addresses are the users' own text: never markup in the HTML part. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
