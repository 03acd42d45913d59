/**
 * A start-up that cannot go on for a reason the operator can fix (a port in use, a database that
 * does not answer). Its message is one line that says what happened and what to check or set;
 * src/main.ts prints it alone, without a stack.
 */
export class StartupError extends Error {
  override name = "StartupError";
}
