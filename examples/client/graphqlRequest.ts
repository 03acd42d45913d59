// One GraphQL operation over plain `fetch`, typed by the documents that `npm run codegen` writes
// to ../generated/. Shared by the Node.js example and the browser page.
import type { TypedDocumentString } from "../generated/graphql";

/** An error as the API sends it: `extensions.code`, and `extensions.reason` for UNAUTHENTICATED. */
export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; reason?: string; field?: string };
}

/** The API answered with errors; `code` and `reason` tell the caller what to do next. */
export class GraphQLRequestError extends Error {
  readonly code: string | undefined;
  readonly reason: string | undefined;

  constructor(readonly errors: GraphQLErrorBody[]) {
    super(errors.map((error) => error.message).join(" "));
    this.name = "GraphQLRequestError";
    this.code = errors[0]?.extensions?.code;
    this.reason = errors[0]?.extensions?.reason;
  }
}

/**
 * Posts `document` with `variables` to `url`, with `Authorization: Bearer <accessToken>` when a
 * token is given. Resolves to the operation's data; rejects with GraphQLRequestError when the API
 * answers with errors. Cookies go along only to the page's own origin (fetch's default), which is
 * where the browser example's refresh-token cookie lives.
 */
export async function graphqlRequest<TData, TVariables>(
  url: string,
  document: TypedDocumentString<TData, TVariables>,
  variables: TVariables,
  accessToken?: string,
): Promise<TData> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (accessToken !== undefined) headers.authorization = `Bearer ${accessToken}`;
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = parseJson(await response.text(), response.status) as { data?: TData | null; errors?: GraphQLErrorBody[] };
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  if (body.data == null) throw new Error(`The API answered HTTP ${response.status} without data.`);
  return body.data;
}

function parseJson(text: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`The API answered HTTP ${status} with something that is not JSON: is the URL a GraphQL endpoint?`);
  }
}
