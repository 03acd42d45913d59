import type { User } from "../../generated/prisma/client";
import type { Mailer } from "../../mail/mailer";
import { accountAddress, type AccountMessages } from "../mailedLinks/accountMessages";
import { RECOVERY_CODES_LOW } from "./recoveryCodes";

/**
 * What a user is told about their second factor, by mail, once the change has committed: a factor
 * added or removed (whoever did it), and recovery codes running out. Each tells the user what to do
 * if it was not them: these are the changes an intruder with the password would make.
 */
export class FactorNotices {
  constructor(
    private readonly mailer: Mailer,
    private readonly messages: AccountMessages,
  ) {}

  added(user: User): void {
    this.mailer.sendInBackground(() => Promise.resolve(this.messages.secondFactorAdded(accountAddress(user))));
  }

  /** `passkeysKept`: the passkeys an admin's removal left on the account, which still sign in. */
  removed(user: User, byAdmin: boolean, passkeysKept = 0): void {
    this.mailer.sendInBackground(() => Promise.resolve(this.messages.secondFactorRemoved(accountAddress(user), byAdmin, passkeysKept)));
  }

  /** A recovery code was spent; `left` remain. The user hears of it once few are left. */
  recoveryCodeUsed(user: User, left: number): void {
    if (left < RECOVERY_CODES_LOW)
      this.mailer.sendInBackground(() => Promise.resolve(this.messages.recoveryCodesLow(accountAddress(user), left)));
  }
}
