import DataLoader from "dataloader";
import type { Passkey, SecondFactor, User } from "../generated/prisma/client";
import type { Services } from "../services";

/**
 * Batching loaders, new for each request: every `load` of one tick goes out as one query, so a page
 * of posts costs one query for its authors however many there are. Per request, so that nothing
 * one request loaded (a user's role, say) is served to another.
 */
export interface Loaders {
  users: DataLoader<string, User>;
  /** A user's confirmed second factors; the admins' user list asks for a page of them at once. */
  secondFactors: DataLoader<string, SecondFactor[]>;
  recoveryCodesLeft: DataLoader<string, number>;
  passkeys: DataLoader<string, Passkey[]>;
}

export function createLoaders(services: Services): Loaders {
  return {
    users: new DataLoader(async (ids) =>
      // A post's author always exists (the foreign key deletes posts with their user); a missing one is a bug.
      (await services.users.byIds(ids)).map((user, index) => user ?? new Error(`No user ${ids[index]}.`)),
    ),
    secondFactors: new DataLoader((ids) => services.factors.factorsOf(ids)),
    recoveryCodesLeft: new DataLoader((ids) => services.factors.recoveryCodesLeft(ids)),
    passkeys: new DataLoader((ids) => services.passkeys.passkeysOf(ids)),
  };
}
