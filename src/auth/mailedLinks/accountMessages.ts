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
    return notice(to.email, "Your email address is about to change", [
      `Hello ${to.name},`,
      `Someone who knows your password asked to change the email address of your account to ${newEmail}. It changes only when the link mailed to that address is opened.`,
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
