import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { EVENT_DEADLINE_MS } from "./timeouts";

/** A message as it arrived: the envelope's recipient and the parsed message. */
export interface ReceivedMail {
  to: string;
  mail: ParsedMail;
}

export interface TestSmtpServer {
  /** The SMTP_URL for a server that should send here. */
  url: string;
  /** Every message so far, in order of arrival. */
  received: ReceivedMail[];
  /** The next message to `address` not yet taken by an earlier call; waits for it to arrive. */
  nextMailTo(address: string, timeoutMs?: number): Promise<ParsedMail>;
  /** Messages received for `address` so far, taken or not. */
  mailTo(address: string): ParsedMail[];
  stop(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) in this process, on a free port of 127.0.0.1: the server under
 * test speaks SMTP to it exactly as to a production mail server. Plain SMTP without STARTTLS or
 * AUTH, so that no certificate is needed.
 */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          for (const recipient of session.envelope.rcptTo) received.push({ to: recipient.address.toLowerCase(), mail });
          for (const wake of waiters) wake();
          callback();
        },
        (error: unknown) => callback(error as Error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;

  const untaken = (address: string) => received.find((entry) => entry.to === address.toLowerCase() && !taken.has(entry));
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    mailTo: (address) => received.filter((entry) => entry.to === address.toLowerCase()).map((entry) => entry.mail),
    nextMailTo(address, timeoutMs = EVENT_DEADLINE_MS) {
      return new Promise<ParsedMail>((resolve, reject) => {
        const check = () => {
          const entry = untaken(address);
          if (!entry) return;
          taken.add(entry);
          waiters.delete(check);
          clearTimeout(timer);
          resolve(entry.mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no mail to ${address} within ${timeoutMs} ms (received: ${received.map((entry) => entry.to).join(", ")})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The link in a message's plain-text part, such as APP_URL/reset-password?token=..., as a user clicks it. */
export function mailedLink(mail: ParsedMail): string {
  const link = /https?:\/\/\S+[?&]token=[A-Za-z0-9_-]+/.exec(mail.text ?? "")?.[0];
  if (link === undefined) throw new Error(`no link with a token in: ${mail.text}`);
  return link;
}

/** The token of the link in a message's plain-text part. */
export function linkToken(mail: ParsedMail): string {
  const token = /[?&]token=([A-Za-z0-9_-]+)/.exec(mail.text ?? "")?.[1];
  if (token === undefined) throw new Error(`no link with a token in: ${mail.text}`);
  return token;
}
