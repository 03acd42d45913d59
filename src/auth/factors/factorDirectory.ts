import type { PrismaClient, SecondFactor } from "../../generated/prisma/client";

/** Reading users' second factors, many users per query (the GraphQL loaders batch by request). */
export class FactorDirectory {
  constructor(private readonly prisma: PrismaClient) {}

  /** Each user's confirmed factors, oldest first, in the order of the ids. */
  async factorsOf(userIds: readonly string[]): Promise<SecondFactor[][]> {
    const factors = await this.prisma.secondFactor.findMany({ where: { userId: { in: [...userIds] } }, orderBy: { createdAt: "asc" } });
    return userIds.map((id) => factors.filter((factor) => factor.userId === id));
  }

  /** How many unused recovery codes each user has, in the order of the ids. */
  async recoveryCodesLeft(userIds: readonly string[]): Promise<number[]> {
    const counts = await this.prisma.recoveryCode.groupBy({
      by: ["userId"],
      where: { userId: { in: [...userIds] }, usedAt: null },
      _count: { _all: true },
    });
    const byUser = new Map(counts.map((row) => [row.userId, row._count._all]));
    return userIds.map((id) => byUser.get(id) ?? 0);
  }
}
