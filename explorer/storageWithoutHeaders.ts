import type { GraphiQL } from "graphiql";
import type { ComponentProps } from "react";

type GraphiQLStorage = NonNullable<ComponentProps<typeof GraphiQL>["storage"]>;

/**
 * localStorage for GraphiQL, minus every header. GraphiQL keeps the tabs' headers out of storage
 * (shouldPersistHeaders is off), but its history ("queries", "favorites") stores each run's
 * headers, and with them the access token, where it would outlive the page. Here every entry is
 * stored without them.
 */
export function storageWithoutHeaders(storage: Storage = window.localStorage): GraphiQLStorage {
  return {
    getItem: (key) => storage.getItem(key),
    setItem: (key, value) => storage.setItem(key, withoutHeaders(value)),
    removeItem: (key) => storage.removeItem(key),
    clear: () => storage.clear(),
    get length() {
      return storage.length;
    },
  };
}

/** A stored JSON value with every `headers` property taken out, however deep; other values as they are. */
function withoutHeaders(value: string): string {
  try {
    return JSON.stringify(JSON.parse(value), (key, nested: unknown) => (key === "headers" ? undefined : nested));
  } catch {
    return value;
  }
}
