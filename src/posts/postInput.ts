import { InputError } from "../errors";

export const TITLE_MAX_CHARACTERS = 200;
export const BODY_MAX_CHARACTERS = 10_000;

export interface PostInput {
  title: string;
  body: string;
}

/** A title is one line: trimmed, 1 to 200 characters, no control characters. */
export function validateTitle(rawTitle: string): string {
  const title = rawTitle.trim();
  if (title.length === 0 || [...title].length > TITLE_MAX_CHARACTERS) {
    throw new InputError("title", `The title must have 1 to ${TITLE_MAX_CHARACTERS} characters.`);
  }
  if (/\p{Cc}/u.test(title)) throw new InputError("title", "The title must not contain control characters.");
  return title;
}

/** A body keeps its line breaks and tabs; other control characters (PostgreSQL refuses NUL) are refused. */
export function validateBody(body: string): string {
  if (body.trim().length === 0 || [...body].length > BODY_MAX_CHARACTERS) {
    throw new InputError("body", `The body must have 1 to ${BODY_MAX_CHARACTERS} characters.`);
  }
  if (/[^\P{Cc}\n\r\t]/u.test(body))
    throw new InputError("body", "The body must not contain control characters other than line breaks and tabs.");
  return body;
}
