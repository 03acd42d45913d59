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
 * Nothing answered for the API: a proxy in front of it (such as `npm run web`'s) said so with a
 * 502, 503 or 504 of its own. The API itself always answers in JSON.
 */
export class ApiUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`Nothing answers for the API at ${url} (HTTP ${status} from the proxy in front of it): is the API running?`);
    this.name = "ApiUnreachableError";
  }
}

/** Statuses a gateway answers with when the server behind it does not answer. */
const GATEWAY_FAILURES = new Set([502, 503, 504]);

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
  const body = parseJson(await response.text(), response.status, url) as { data?: TData | null; errors?: GraphQLErrorBody[] };
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  if (body.data == null) throw new Error(`The API answered HTTP ${response.status} without data.`);
  return body.data;
}

function parseJson(text: string, status: number, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    if (GATEWAY_FAILURES.has(status)) throw new ApiUnreachableError(url, status);
    throw new Error(`The API answered HTTP ${status} with something that is not JSON: is the URL a GraphQL endpoint?`);
  }
}
