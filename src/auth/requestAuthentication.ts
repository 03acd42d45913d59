import { AuthFailure, AuthenticationError } from "../errors";
import type { PrismaClient, User } from "../generated/prisma/client";
import type { AccessTokens } from "./accessTokens";

/**
 * Turns the Authorization header of a request into the user it belongs to. This is the hot path
 * of every authenticated call: one signature check and one indexed read.
 */
export class RequestAuthenticator {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly accessTokens: AccessTokens,
  ) {}

  async userFromAuthorizationHeader(header: string | undefined): Promise<User> {
    const token = bearerToken(header);
    const claims = this.accessTokens.verify(token);
    const user = await this.prisma.user.findUnique({ where: { id: claims.userId } });
    // A deleted user, or a token signed before the user's token version was bumped.
    if (!user || user.tokenVersion !== claims.tokenVersion) {
      throw new AuthenticationError(AuthFailure.SESSION_ENDED);
    }
    return user;
  }
}

/**
 * The token from `Authorization: Bearer <token>`. The scheme name is case-insensitive
 * (RFC 9110 §11.1), so `bearer` works too; any other scheme, or none, is refused.
 */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === "") throw new AuthenticationError(AuthFailure.NOT_AUTHENTICATED);
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) throw new AuthenticationError(AuthFailure.TOKEN_INVALID);
  return match[1]!;
}
