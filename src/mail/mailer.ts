import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import nodemailer, { type Transporter } from "nodemailer";
import type { MailConfig } from "../config";
import type { Logger } from "../logger";
import { isMailbox } from "./mailbox";

/** One message, in plain text and HTML. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The link the message carries, if any: logged when messages go to files, for a developer to open. */
  link?: string;
}

/**
 * A message whose recipient is not one mailbox of the accepted grammar (an address stored before
 * the rule, such as "a,b@example.com"): it is not sent. The address stays out of the error, and so
 * out of the logs.
 */
export class RecipientError extends Error {
  override name = "RecipientError";
  readonly code = "RECIPIENT_NOT_A_MAILBOX";
  constructor() {
    super('The recipient is not a single mailbox (docs/security.md, "Email addresses"): the message was not sent.');
  }
}

/** Produces the message to send, or undefined for none; may read and write the database first. */
export type MessageWork = () => Promise<MailMessage | MailMessage[] | undefined>;

// Bounds on a mail server that accepts the connection and then stalls: nodemailer's defaults
// (2 min to connect, 10 min of silence) would keep shutdown waiting for that long.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * Sends mail through SMTP (SMTP_URL) or, with none configured, writes each message as an .eml file
 * under DATA_DIR/mail/ and logs its path and link, so that development needs no mail server.
 *
 * Every message is sent in the background, after the request that asked for it has its answer:
 * a slow or failing mail server neither delays nor changes any GraphQL answer, and what an answer
 * looks like, or how long it takes, cannot depend on whether a message was sent (see
 * docs/security.md, "Mailed links"). A failure is logged and the message is dropped; the user asks again.
 */
export class Mailer {
  private readonly pending = new Set<Promise<void>>();

  private constructor(
    private readonly transport: Transporter,
    private readonly from: string,
    private readonly logger: Logger,
    /** Set when messages are written to files instead of sent. */
    private readonly fileDir: string | undefined,
  ) {}

  static fromConfig(config: MailConfig, logger: Logger): Mailer {
    const log = logger.child({ component: "mail" });
    if (config.smtpUrl !== undefined) {
      return new Mailer(nodemailer.createTransport({ url: config.smtpUrl, ...SMTP_TIMEOUTS }), config.from, log, undefined);
    }
    // nodemailer builds the complete RFC 5322 message (headers, both parts) without sending it.
    return new Mailer(
      nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" }),
      config.from,
      log,
      config.fileDir,
    );
  }

  /**
   * Runs `work` and sends what it returns, both after the caller has moved on. Nothing is thrown to
   * the caller: a failure (database or mail server) is logged.
   */
  sendInBackground(work: MessageWork): void {
    const task = work()
      .then((messages) => Promise.all([messages ?? []].flat().map((message) => this.deliver(message))))
      .then(
        () => undefined,
        (error: unknown) => this.logger.error({ err: error }, "mail not sent"),
      )
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Resolves once every message started so far is sent or has failed: for graceful shutdown. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  close(): void {
    this.transport.close();
  }

  private async deliver(message: MailMessage): Promise<void> {
    const { link, to, ...content } = message;
    if (!isMailbox(to)) throw new RecipientError();
    // One mailbox, given as an address object and as the envelope's only recipient: nodemailer
    // then parses nothing, so no text of the address can become a second recipient.
    const recipient = { name: "", address: to };
    const info = (await this.transport.sendMail({
      from: this.from,
      to: recipient,
      envelope: { from: this.from, to: [recipient] },
      ...content,
    })) as {
      message?: Buffer;
      messageId?: string;
    };
    if (this.fileDir === undefined) {
      // The link carries a secret token: it stays out of the logs of a real mail setup.
      this.logger.info({ messageId: info.messageId, subject: message.subject }, "mail sent");
      return;
    }
    await fs.mkdir(this.fileDir, { recursive: true, mode: 0o700 });
    const file = path.join(this.fileDir, `${new Date().toISOString().replaceAll(":", "-")}-${crypto.randomUUID()}.eml`);
    await fs.writeFile(file, info.message ?? "", { mode: 0o600 });
    this.logger.info({ file, link }, "mail written to a file (no SMTP_URL)");
  }
}
