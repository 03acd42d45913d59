-- Every change to a user or a session that a running API process may hold in its cache is
-- published on the channel "auth_changes", so that every process drops the stale entry at once.
-- A trigger, not application code, publishes: no code path (logout, password change, an
-- operator's UPDATE in psql, a cascade from a deleted user) can forget to.
-- NOTIFY is sent only when the transaction commits, and identical payloads within one
-- transaction are sent once (so logging out everywhere sends one message per session).
-- Payloads: "user:<id>" or "session:<id>".

CREATE FUNCTION "notify_auth_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('auth_changes', TG_ARGV[0] || ':' || OLD."id"::text);
  RETURN NULL;
END;
$$;

-- Any change to a user row: the cached user is what `me` answers with.
CREATE TRIGGER "User_auth_change"
AFTER UPDATE OR DELETE ON "User"
FOR EACH ROW
EXECUTE FUNCTION "notify_auth_change"('user');

-- Only the columns that decide whether a session is valid; lastUsedAt and the like do not matter.
CREATE TRIGGER "Session_auth_change_update"
AFTER UPDATE OF "userId", "revokedAt", "expiresAt" ON "Session"
FOR EACH ROW
WHEN (OLD."userId" IS DISTINCT FROM NEW."userId"
   OR OLD."revokedAt" IS DISTINCT FROM NEW."revokedAt"
   OR OLD."expiresAt" IS DISTINCT FROM NEW."expiresAt")
EXECUTE FUNCTION "notify_auth_change"('session');

CREATE TRIGGER "Session_auth_change_delete"
AFTER DELETE ON "Session"
FOR EACH ROW
EXECUTE FUNCTION "notify_auth_change"('session');
