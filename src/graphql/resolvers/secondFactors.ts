import type { MutationResolvers, UserResolvers } from "../generated/resolverTypes";
import { deliver } from "./tokenDelivery";

export const secondFactorMutations: Pick<
  MutationResolvers,
  | "startTotpEnrollment"
  | "confirmTotpEnrollment"
  | "verifySecondFactor"
  | "disableTotp"
  | "regenerateRecoveryCodes"
  | "removeUserSecondFactor"
> = {
  startTotpEnrollment: async (_parent, _args, context) => context.services.secondFactors.startTotpEnrollment(await context.caller()),

  confirmTotpEnrollment: async (_parent, { code }, context) =>
    context.services.secondFactors.confirmTotpEnrollment(await context.caller(), code, context.client),

  verifySecondFactor: async (_parent, { code, refreshTokenDelivery }, context) => {
    const result = await context.services.secondFactorVerification.verify(await context.caller(), code, context.client);
    return deliver(result, refreshTokenDelivery, context);
  },

  disableTotp: async (_parent, { code }, context) =>
    context.services.secondFactors.disableTotp(await context.caller(), code, context.client),

  regenerateRecoveryCodes: async (_parent, { code }, context) =>
    context.services.secondFactors.regenerateRecoveryCodes(await context.caller(), code, context.client),

  removeUserSecondFactor: async (_parent, { id }, context) =>
    context.services.adminFactorRemoval.remove(await context.caller(), id, context.client),
};

/** A user's factors and recovery codes, batched per request like a post's author. */
export const UserSecondFactors: Pick<UserResolvers, "secondFactors" | "recoveryCodesLeft"> = {
  secondFactors: (user, _args, context) => context.loaders.secondFactors.load(user.id),
  recoveryCodesLeft: (user, _args, context) => context.loaders.recoveryCodesLeft.load(user.id),
};
