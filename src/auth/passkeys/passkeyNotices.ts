import type { User } from "../../generated/prisma/client";
import type { Mailer } from "../../mail/mailer";
import { accountAddress, type AccountMessages } from "../mailedLinks/accountMessages";

/** Mail to the user, once the change has committed, when a passkey is added to or removed from the account. */
export class PasskeyNotices {
  constructor(
    private readonly mailer: Mailer,
    private readonly messages: AccountMessages,
  ) {}

  added(user: User, name: string): void {
    this.mailer.sendInBackground(() => Promise.resolve(this.messages.passkeyAdded(accountAddress(user), name)));
  }

  removed(user: User, name: string): void {
    this.mailer.sendInBackground(() => Promise.resolve(this.messages.passkeyRemoved(accountAddress(user), name)));
  }
}
