import crypto from "node:crypto";
import {
  CreatePostDocument,
  DeletePostDocument,
  FeedDocument,
  FeedWithAuthorsDocument,
  MyPostsDocument,
  PostAuthorDocument,
  PostDocument,
  PublishPostDocument,
  RemovePostDocument,
  UnpublishPostDocument,
  UpdatePostDocument,
  type MyPostsQuery,
  type TypedDocumentString,
} from "../support/generated/graphql";
import { graphql, signUp, type AuthPayload, type GraphQLResponse } from "../support/graphqlClient";
import { countStatements } from "../support/sqlStatements";
import { useTestServer } from "../support/testServer";

describe("posts: drafts for their author, published posts for every signed-in user", () => {
  const app = useTestServer();

  const as =
    (account: AuthPayload) =>
    <R, V>(document: TypedDocumentString<R, V>, variables?: V) =>
      graphql(app.url, document, variables, { token: account.accessToken });
  const notFound = { code: "BAD_USER_INPUT", field: "id", reason: "NOT_FOUND" };

  async function admin(): Promise<AuthPayload> {
    const account = await signUp(app.url, { name: "Moderator" });
    await app.prisma.user.update({ where: { id: account.user.id }, data: { role: "ADMIN" } });
    return account;
  }

  async function draft(account: AuthPayload, title = "A draft"): Promise<string> {
    const created = await as(account)(CreatePostDocument, { input: { title, body: "Some text." } });
    expect(created.errors).toBeUndefined();
    return created.data!.createPost.id;
  }

  test("a draft is its author's alone; published, every signed-in user reads it; the author's email stays the author's", async () => {
    const ada = await signUp(app.url, { name: "Ada" });
    const bob = await signUp(app.url, { name: "Bob" });
    const created = await as(ada)(CreatePostDocument, { input: { title: "  Notes on the engine  ", body: "Line one.\nLine two." } });
    expect(created.data!.createPost).toMatchObject({
      title: "Notes on the engine",
      body: "Line one.\nLine two.",
      published: false,
      publishedAt: null,
      author: { id: ada.user.id, name: "Ada" },
    });
    const id = created.data!.createPost.id;

    expect((await as(bob)(PostDocument, { id })).errors![0]!.extensions).toEqual(notFound);
    expect((await as(ada)(PostDocument, { id })).data!.post.id).toBe(id);
    expect(ids((await as(bob)(FeedDocument, { first: 100 })).data!.feed)).not.toContain(id);

    const published = await as(ada)(PublishPostDocument, { id });
    expect(published.data!.publishPost).toMatchObject({ published: true, publishedAt: expect.any(String) });
    // Publishing again keeps the first date.
    expect((await as(ada)(PublishPostDocument, { id })).data!.publishPost.publishedAt).toBe(published.data!.publishPost.publishedAt);

    expect((await as(bob)(PostDocument, { id })).data!.post).toMatchObject({ id, author: { name: "Ada" } });
    expect(ids((await as(bob)(FeedDocument, { first: 100 })).data!.feed)).toContain(id);

    // Field rules: another user sees the author's name, not their email or role.
    const nosy = await as(bob)(PostAuthorDocument, { id });
    expect(nosy.data!.post).toEqual({ title: "Notes on the engine", author: { name: "Ada", email: null, role: null } });
    expect(nosy.errors!.map((error) => [error.path!.join("."), error.extensions])).toEqual([
      ["post.author.email", { code: "FORBIDDEN", reason: "NOT_OWNER" }],
      ["post.author.role", { code: "FORBIDDEN", reason: "NOT_OWNER" }],
    ]);
    const own = await as(ada)(PostAuthorDocument, { id });
    expect(own).toMatchObject({ errors: undefined, data: { post: { author: { email: ada.user.email, role: "USER" } } } });
    const moderator = await as(await admin())(PostAuthorDocument, { id });
    expect(moderator).toMatchObject({ errors: undefined, data: { post: { author: { email: ada.user.email, role: "USER" } } } });

    const unpublished = await as(ada)(UnpublishPostDocument, { id });
    expect(unpublished.data!.unpublishPost).toMatchObject({ published: false, publishedAt: null });
    expect((await as(bob)(PostDocument, { id })).errors![0]!.extensions).toEqual(notFound);
  });

  test("someone else's post cannot be changed, published or deleted: it is not found, and stays as it was", async () => {
    const ada = await signUp(app.url);
    const mallory = await signUp(app.url);
    const id = await draft(ada, "Ada's draft");
    for (const request of [
      () => as(mallory)(UpdatePostDocument, { id, input: { title: "Mallory was here" } }),
      () => as(mallory)(PublishPostDocument, { id }),
      () => as(mallory)(UnpublishPostDocument, { id }),
      () => as(mallory)(DeletePostDocument, { id }),
    ]) {
      const response = await request();
      expect(response.errors![0]!.extensions).toEqual(notFound);
    }
    // Exactly the answer for an id that does not exist at all.
    expect((await as(mallory)(DeletePostDocument, { id: crypto.randomUUID() })).errors![0]!.extensions).toEqual(notFound);
    expect(await app.prisma.post.findUniqueOrThrow({ where: { id } })).toMatchObject({ title: "Ada's draft", publishedAt: null });
  });

  test("the author edits and deletes their own post", async () => {
    const ada = await signUp(app.url);
    const id = await draft(ada, "First title");
    const updated = await as(ada)(UpdatePostDocument, { id, input: { title: "Second title" } });
    expect(updated.data!.updatePost).toMatchObject({ title: "Second title", body: "Some text." });
    expect((await as(ada)(DeletePostDocument, { id })).data).toEqual({ deletePost: true });
    expect((await as(ada)(PostDocument, { id })).errors![0]!.extensions).toEqual(notFound);
  });

  test("admins moderate: removePost deletes anyone's post; users may not", async () => {
    const ada = await signUp(app.url);
    const bob = await signUp(app.url);
    const id = await draft(ada);
    await as(ada)(PublishPostDocument, { id });
    expect((await as(bob)(RemovePostDocument, { id })).errors![0]!.extensions).toEqual({ code: "FORBIDDEN", reason: "ADMIN_ONLY" });
    expect((await as(await admin())(RemovePostDocument, { id })).data).toEqual({ removePost: true });
    expect(await app.prisma.post.findUnique({ where: { id } })).toBeNull();
  });

  test("bad input is a typed BAD_USER_INPUT naming the field, never an internal error", async () => {
    const ada = await signUp(app.url);
    const cases: Array<[() => Promise<GraphQLResponse>, string]> = [
      [() => as(ada)(PostDocument, { id: "not-a-uuid" }), "id"],
      [() => as(ada)(PostDocument, { id: "' OR 1=1 --" }), "id"],
      [() => as(ada)(UpdatePostDocument, { id: "12345", input: { title: "x" } }), "id"],
      [() => as(ada)(DeletePostDocument, { id: "" }), "id"],
      [() => as(ada)(CreatePostDocument, { input: { title: "   ", body: "text" } }), "title"],
      [() => as(ada)(CreatePostDocument, { input: { title: "a".repeat(201), body: "text" } }), "title"],
      [() => as(ada)(CreatePostDocument, { input: { title: "Title", body: "nul \u0000 inside" } }), "body"],
      [() => as(ada)(CreatePostDocument, { input: { title: "Title", body: "b".repeat(10_001) } }), "body"],
      [() => as(ada)(MyPostsDocument, { first: 0 }), "first"],
      [() => as(ada)(MyPostsDocument, { first: 101 }), "first"],
      [() => as(ada)(MyPostsDocument, { after: "garbage" }), "after"],
      [() => as(ada)(MyPostsDocument, { after: Buffer.from("123:not-a-uuid").toString("base64url") }), "after"],
      [() => as(ada)(FeedDocument, { after: "x".repeat(5000) }), "after"],
    ];
    for (const [request, field] of cases) {
      expect((await request()).errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    }
    // Admin-only operations check the id too (after the rule: to a user, removePost is FORBIDDEN whatever the id).
    expect((await as(await admin())(RemovePostDocument, { id: "nope" })).errors![0]!.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "id",
    });
  });

  test("myPosts pages through every post once, newest first, with opaque cursors", async () => {
    const ada = await signUp(app.url);
    const created: string[] = [];
    for (let i = 1; i <= 5; i++) created.push(await draft(ada, `Post ${i}`));
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const response: GraphQLResponse<MyPostsQuery> = await as(ada)(MyPostsDocument, { first: 2, after });
      const answer = response.data!;
      pages++;
      seen.push(...answer.myPosts.edges.map((edge) => edge.node.id));
      expect(answer.myPosts.pageInfo.endCursor).toBe(answer.myPosts.edges.at(-1)?.cursor ?? null);
      if (!answer.myPosts.pageInfo.hasNextPage) break;
      after = answer.myPosts.pageInfo.endCursor;
      expect(after).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(created.reverse());
  });

  test("a page of the feed with its authors costs the same number of SQL statements for 1 post or 12 by 12 authors", async () => {
    const reader = await signUp(app.url);
    // Signups mail their verification links after answering: wait until every such write is done, or it is counted below.
    await app.mailIdle();
    const stamp = Date.now();
    // Twelve authors, each with a post published just now, so they lead the feed.
    for (let i = 0; i < 12; i++) {
      await app.prisma.user.create({
        data: {
          email: `author-${crypto.randomUUID()}@example.com`,
          name: `Author ${i}`,
          passwordHash: "unused",
          posts: { create: { title: `Post ${i}`, body: "Text.", publishedAt: new Date(stamp + 60_000 + i) } },
        },
      });
    }
    const page = (first: number) => as(reader)(FeedWithAuthorsDocument, { first });
    let twelve: Awaited<ReturnType<typeof page>> | undefined;
    const one = await countStatements(() => page(1));
    const many = await countStatements(async () => (twelve = await page(12)));
    const authors = new Set(twelve!.data!.feed.edges.map((edge) => edge.node.author.id));
    expect(authors.size).toBe(12);
    expect(many).toBe(one);
    // The posts, then their authors in one batch.
    expect(many).toBe(2);
  });
});

function ids(connection: { edges: Array<{ node: { id: string } }> }): string[] {
  return connection.edges.map((edge) => edge.node.id);
}
