import { StartupError } from "../startupError";

/**
 * Why a first connection to PostgreSQL failed, as the one line an operator can act on: where it
 * tried (host, port and database of the URL; never the password) and what to check.
 */
export function connectionFailure(url: string, error: unknown): StartupError {
  return new StartupError(`Cannot connect to the database: ${whatToCheck(new URL(url), error)}`, { cause: error });
}

/** Node's network error codes, and PostgreSQL's SQLSTATE when the server itself said no. */
function whatToCheck({ hostname, port, pathname }: URL, error: unknown): string {
  const where = `${hostname}:${port || "5432"}`;
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ECONNREFUSED") {
    return `nothing accepts connections at ${where}. Is PostgreSQL running there, and do the host and port of DATABASE_URL name it?`;
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return `the host "${hostname}" of DATABASE_URL is not known here. Check its spelling, or use an IP address.`;
  }
  if (code === "28P01" || code === "28000") return `PostgreSQL at ${where} refused the user or password of DATABASE_URL. Check both.`;
  if (code === "3D000") {
    const database = decodeURIComponent(pathname.slice(1));
    return `PostgreSQL at ${where} has no database "${database}". Create it, or fix the database name in DATABASE_URL.`;
  }
  if (/timeout/i.test(message))
    return `no answer from ${where} within DATABASE_CONNECT_TIMEOUT. Is the host right, and no firewall in the way?`;
  return `${message.split("\n")[0]} (at ${where}). Check that PostgreSQL runs there and that DATABASE_URL names it.`;
}
