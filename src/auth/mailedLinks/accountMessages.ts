import type { MailMessage } from "../../mail/mailer";

/** Who a message goes to. */
interface Recipient {
  name: string;
  email: string;
}

/**
 * The account mails, each in plain text and HTML, with links into the web app at APP_URL. The token
 * travels in the query string; the pages that open these links should answer with
 * `Referrer-Policy: no-referrer` so that it does not leak to other sites (docs/security.md).
 */
export class AccountMessages {
  constructor(private readonly appUrl: string) {}

  verifyEmail(to: Recipient, token: string, ttlSeconds: number): MailMessage {
    return this.withLink(to, token, "/verify-email", {
      subject: "Verify your email address",
      intro: `Please confirm that ${to.email} is your email address by opening this link:`,
      action: "Verify my email address",
      outro: `The link works once, for ${lifetime(ttlSeconds)}. If you did not sign up, ignore this message.`,
    });
  }

  passwordReset(to: Recipient, token: string, ttlSeconds: number): MailMessage {
    return this.withLink(to, token, "/reset-password", {
      subject: "Reset your password",
      intro: "Someone, hopefully you, asked to reset the password of your account. To choose a new password, open this link:",
      action: "Choose a new password",
      outro: `The link works once, for ${lifetime(ttlSeconds)}, and signs you out on every device. If you did not ask for it, ignore this message: your password stays as it is.`,
    });
  }

  confirmEmailChange(to: Recipient, token: string, ttlSeconds: number): MailMessage {
    return this.withLink(to, token, "/confirm-email-change", {
      subject: "Confirm your new email address",
      intro: `To make ${to.email} the email address of your account, open this link:`,
      action: "Use this email address",
      outro: `The link works once, for ${lifetime(ttlSeconds)}. Until it is used, your account keeps its current address. If you did not ask for this, ignore this message.`,
    });
  }

  /** To the old address: the change needs the new one's link, so this one only warns. */
  emailChangeRequested(to: Recipient, newEmail: string): MailMessage {
    return notice(to, "Your email address is about to change", [
      `Someone who knows your password asked to change the email address of your account to ${newEmail}. It changes only when the link mailed to that address is opened.`,
      "If this was not you, change your password now: whoever asked knows it.",
    ]);
  }

  secondFactorAdded(to: Recipient): MailMessage {
    return notice(to, "Two-step sign-in is on", [
      "An authenticator app was just set up for your account: from now on, signing in takes your password and a code from the app.",
      "If this was not you, someone has your password and a signed-in session: reset your password and tell an admin.",
    ]);
  }

  secondFactorRemoved(to: Recipient, byAdmin: boolean): MailMessage {
    return notice(to, "Two-step sign-in is off", [
      byAdmin
        ? "An admin removed the authenticator app and the recovery codes of your account, and every session of it has ended. Signing in now takes your password only."
        : "The authenticator app and the recovery codes of your account were just removed. Signing in now takes your password only.",
      "If you did not ask for this, reset your password, set up two-step sign-in again, and tell an admin.",
    ]);
  }

  recoveryCodesLow(to: Recipient, left: number): MailMessage {
    return notice(to, "Your recovery codes are running out", [
      `A recovery code was just used to sign in to your account. ${left === 0 ? "None is left" : `${left} ${left === 1 ? "is" : "are"} left`}: make new ones in your account settings while you still can sign in.`,
      "If this was not you, someone has your password and a recovery code: reset your password and tell an admin.",
    ]);
  }

  private withLink(
    to: Recipient,
    token: string,
    page: string,
    words: { subject: string; intro: string; action: string; outro: string },
  ): MailMessage {
    const link = `${this.appUrl}${page}?token=${encodeURIComponent(token)}`;
    const greeting = `Hello ${to.name},`;
    return {
      to: to.email,
      subject: words.subject,
      link,
      text: `${greeting}\n\n${words.intro}\n\n${link}\n\n${words.outro}\n`,
      html: [
        `<p>${escapeHtml(greeting)}</p>`,
        `<p>${escapeHtml(words.intro)}</p>`,
        `<p><a href="${escapeHtml(link)}">${escapeHtml(words.action)}</a></p>`,
        `<p>${escapeHtml(words.outro)}</p>`,
      ].join("\n"),
    };
  }
}

/** A message that only tells the user something, in plain text and HTML. */
function notice(to: Recipient, subject: string, paragraphs: string[]): MailMessage {
  const text = [`Hello ${to.name},`, ...paragraphs];
  return {
    to: to.email,
    subject,
    text: text.join("\n\n") + "\n",
    html: text.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join("\n"),
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
