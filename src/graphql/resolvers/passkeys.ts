import type { MutationResolvers, UserResolvers } from "../generated/resolverTypes";
import { deliver } from "./tokenDelivery";

export const passkeyMutations: Pick<
  MutationResolvers,
  | "startPasskeyRegistration"
  | "finishPasskeyRegistration"
  | "startPasskeyLogin"
  | "finishPasskeyLogin"
  | "startPasskeyVerification"
  | "verifyPasskey"
  | "renamePasskey"
  | "deletePasskey"
> = {
  startPasskeyRegistration: async (_parent, _args, context) => context.services.passkeyRegistration.start(await context.caller()),

  finishPasskeyRegistration: async (_parent, { response, name }, context) =>
    context.services.passkeyRegistration.finish(await context.caller(), response, name, context.client),

  // The handle goes to the browser in an HttpOnly cookie (src/http/passkeyLoginCookie.ts), never in the body.
  startPasskeyLogin: async (_parent, { email }, context) => {
    const { options, handle, handleMaxAgeSeconds } = await context.services.passkeyLogin.start(email, context.client);
    context.passkeyHandleOut.change = { kind: "set", handle, maxAgeSeconds: handleMaxAgeSeconds };
    return options;
  },

  finishPasskeyLogin: async (_parent, { response, refreshTokenDelivery }, context) => {
    // Spent or not, the handle has served: its challenge is gone either way.
    if (context.passkeyHandleIn !== undefined) context.passkeyHandleOut.change = { kind: "clear" };
    const result = await context.services.passkeyLogin.finish(response, context.passkeyHandleIn, context.client);
    return deliver(result, refreshTokenDelivery, context);
  },

  startPasskeyVerification: async (_parent, _args, context) => context.services.passkeyVerification.start(await context.caller()),

  verifyPasskey: async (_parent, { response, refreshTokenDelivery }, context) => {
    const result = await context.services.passkeyVerification.finish(await context.caller(), response, context.client);
    return deliver(result, refreshTokenDelivery, context);
  },

  renamePasskey: async (_parent, { id, name }, context) => context.services.passkeys.rename(await context.caller(), id, name),

  deletePasskey: async (_parent, { id }, context) => context.services.passkeys.remove(await context.caller(), id, context.client),
};

/** A user's passkeys, batched per request. */
export const UserPasskeys: Pick<UserResolvers, "passkeys"> = {
  passkeys: (user, _args, context) => context.loaders.passkeys.load(user.id),
};
