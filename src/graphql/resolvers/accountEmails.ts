import type { MutationResolvers, UserResolvers } from "../generated/resolverTypes";
import { deliver } from "./tokenDelivery";

/** The account flows that go through mailed links: email verification, password reset, email change. */
export const accountEmailMutations: Pick<
  MutationResolvers,
  "verifyEmail" | "resendVerification" | "requestPasswordReset" | "resetPassword" | "requestEmailChange" | "confirmEmailChange"
> = {
  verifyEmail: (_parent, { token }, context) => context.services.verification.verify(token, context.client),

  resendVerification: async (_parent, _args, context) => context.services.verification.resend((await context.caller()).user),

  requestPasswordReset: (_parent, { email }, context) => context.services.passwordReset.request(email, context.client),

  resetPassword: async (_parent, { token, newPassword, refreshTokenDelivery }, context) =>
    deliver(await context.services.passwordReset.reset(token, newPassword, context.client), refreshTokenDelivery, context),

  requestEmailChange: async (_parent, { newEmail, currentPassword }, context) =>
    context.services.emailChange.request(await context.caller(), newEmail, currentPassword, context.client),

  confirmEmailChange: (_parent, { token }, context) => context.services.emailChange.confirm(token, context.client),
};

export const User: Pick<UserResolvers, "emailVerified"> = {
  emailVerified: (user) => user.emailVerifiedAt !== null,
};
