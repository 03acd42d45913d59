import { InputError } from "./errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Every id in this API is a UUID. One of another shape is refused as bad input before it reaches
 * PostgreSQL, which would otherwise fail the query on the cast (an internal error for the client).
 */
export function requireUuid(value: string, noun: string, field = "id"): string {
  if (!isUuid(value)) throw new InputError(field, `This is not a ${noun} id.`);
  return value;
}

/** The one answer for an id that names nothing the caller may see: missing and someone else's look alike. */
export function notFound(noun: string, field = "id"): InputError {
  return new InputError(field, `There is no ${noun} with this id.`, "NOT_FOUND");
}
