import type { MutationResolvers, PostResolvers, QueryResolvers } from "../generated/resolverTypes";

export const postQueries: Pick<QueryResolvers, "feed" | "myPosts" | "post"> = {
  feed: (_parent, args, context) => context.services.posts.feed(args),
  myPosts: async (_parent, args, context) => context.services.posts.byAuthor((await context.caller()).user.id, args),
  post: async (_parent, { id }, context) => context.services.posts.read((await context.caller()).user.id, id),
};

export const postMutations: Pick<
  MutationResolvers,
  "createPost" | "updatePost" | "publishPost" | "unpublishPost" | "deletePost" | "removePost"
> = {
  createPost: async (_parent, { input }, context) => context.services.posts.create((await context.caller()).user.id, input),
  updatePost: async (_parent, { id, input }, context) => context.services.posts.update((await context.caller()).user.id, id, input),
  publishPost: async (_parent, { id }, context) => context.services.posts.publish((await context.caller()).user.id, id),
  unpublishPost: async (_parent, { id }, context) => context.services.posts.unpublish((await context.caller()).user.id, id),
  deletePost: async (_parent, { id }, context) => {
    await context.services.posts.delete((await context.caller()).user.id, id);
    return true;
  },
  removePost: async (_parent, { id }, context) => {
    await context.services.posts.remove(id);
    return true;
  },
};

export const Post: PostResolvers = {
  published: (post) => post.publishedAt !== null,
  // Batched: the authors of a whole page are read with one query.
  author: (post, _args, context) => context.loaders.users.load(post.authorId),
};
