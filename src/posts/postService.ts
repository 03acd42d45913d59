import { Prisma, type Post, type PrismaClient } from "../generated/prisma/client";
import { notFound, requireUuid } from "../ids";
import { afterPosition, newestFirstPage, type Connection, type PageArgs } from "../pagination/cursorPages";
import { validateBody, validateTitle, type PostInput } from "./postInput";

export interface PostServiceDeps {
  prisma: PrismaClient;
  now: () => number;
}

/**
 * Posts: drafts that only their author sees, published posts that every signed-in user reads.
 * Who may call each method is decided by the schema's rules; which rows a caller reaches is
 * decided here, in every query's WHERE: an author reaches their own posts, a reader published
 * ones. Anything else is "not found", exactly like an id that does not exist, so nobody can learn
 * which ids belong to someone else's drafts.
 */
export class PostService {
  constructor(private readonly deps: PostServiceDeps) {}

  /** Published posts of every author, most recently published first. */
  feed(args: PageArgs): Promise<Connection<Post>> {
    return newestFirstPage(
      args,
      (post) => post.publishedAt!,
      ({ take, after }) =>
        this.deps.prisma.post.findMany({
          where: { publishedAt: { not: null }, ...afterPosition("publishedAt", after) },
          orderBy: [{ publishedAt: "desc" }, { id: "desc" }],
          take,
        }),
    );
  }

  /** The author's own posts, drafts included, newest first. */
  byAuthor(authorId: string, args: PageArgs): Promise<Connection<Post>> {
    return newestFirstPage(
      args,
      (post) => post.createdAt,
      ({ take, after }) =>
        this.deps.prisma.post.findMany({
          where: { authorId, ...afterPosition("createdAt", after) },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take,
        }),
    );
  }

  /** A published post, or one of the reader's own drafts. */
  async read(readerId: string, id: string): Promise<Post> {
    requireUuid(id, "post");
    const post = await this.deps.prisma.post.findFirst({
      where: { id, OR: [{ publishedAt: { not: null } }, { authorId: readerId }] },
    });
    if (!post) throw notFound("post");
    return post;
  }

  /** A published post by id, for every subscriber of `postPublished`; null once it is a draft again or gone. */
  publishedById(id: string): Promise<Post | null> {
    return this.deps.prisma.post.findFirst({ where: { id, publishedAt: { not: null } } });
  }

  /** A new draft of the author's. */
  create(authorId: string, input: PostInput): Promise<Post> {
    const now = new Date(this.deps.now());
    return this.deps.prisma.post.create({
      data: { authorId, title: validateTitle(input.title), body: validateBody(input.body), createdAt: now, updatedAt: now },
    });
  }

  /** Changes the title or body (or both) of one of the author's posts. */
  update(authorId: string, id: string, input: { title?: string | null; body?: string | null }): Promise<Post> {
    const data = {
      ...(input.title != null && { title: validateTitle(input.title) }),
      ...(input.body != null && { body: validateBody(input.body) }),
    };
    return this.updateOwn(authorId, id, { ...data, updatedAt: new Date(this.deps.now()) });
  }

  /** Makes one of the author's drafts readable by every signed-in user; publishing again keeps the first date. */
  async publish(authorId: string, id: string): Promise<Post> {
    requireUuid(id, "post");
    const now = new Date(this.deps.now());
    await this.deps.prisma.post.updateMany({ where: { id, authorId, publishedAt: null }, data: { publishedAt: now, updatedAt: now } });
    return this.ownPost(authorId, id);
  }

  /** Turns one of the author's posts back into a draft. */
  unpublish(authorId: string, id: string): Promise<Post> {
    return this.updateOwn(authorId, id, { publishedAt: null, updatedAt: new Date(this.deps.now()) });
  }

  /** Deletes one of the author's posts. */
  async delete(authorId: string, id: string): Promise<void> {
    requireUuid(id, "post");
    const { count } = await this.deps.prisma.post.deleteMany({ where: { id, authorId } });
    if (count === 0) throw notFound("post");
  }

  /** Moderation: deletes anyone's post. Only admins reach this (schema.graphql says so). */
  async remove(id: string): Promise<void> {
    requireUuid(id, "post");
    const { count } = await this.deps.prisma.post.deleteMany({ where: { id } });
    if (count === 0) throw notFound("post");
  }

  private async ownPost(authorId: string, id: string): Promise<Post> {
    const post = await this.deps.prisma.post.findFirst({ where: { id, authorId } });
    if (!post) throw notFound("post");
    return post;
  }

  private async updateOwn(authorId: string, id: string, data: Prisma.PostUpdateInput): Promise<Post> {
    requireUuid(id, "post");
    try {
      // The author is part of the WHERE: someone else's post is not found, as a missing one is.
      return await this.deps.prisma.post.update({ where: { id, authorId }, data });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025") throw notFound("post");
      throw error;
    }
  }
}
