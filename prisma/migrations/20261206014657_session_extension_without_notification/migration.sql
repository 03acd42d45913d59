-- Written by hand (Prisma does not model triggers); see *_auth_change_notifications.
-- A session's expiresAt moving later (every refresh moves it) no longer notifies: each refresh
-- paid a NOTIFY, which serialises the commits of all notifying transactions, and dropped the
-- session from every process's cache. A cached expiry is thereby never later than the stored
-- one, and the cache does not serve a session past its cached expiry: it reads it again
-- (src/auth/authCache/cache.ts), so an extension is seen where it matters and an ended session
-- is still never served. An expiry moved earlier still notifies, as every other change that
-- decides whether a session is valid does.
DROP TRIGGER "Session_auth_change_update" ON "Session";
CREATE TRIGGER "Session_auth_change_update"
AFTER UPDATE OF "userId", "revokedAt", "expiresAt", "assuranceLevel", "amr", "authTime" ON "Session"
FOR EACH ROW
WHEN (OLD."userId" IS DISTINCT FROM NEW."userId"
   OR OLD."revokedAt" IS DISTINCT FROM NEW."revokedAt"
   OR NEW."expiresAt" < OLD."expiresAt"
   OR OLD."assuranceLevel" IS DISTINCT FROM NEW."assuranceLevel"
   OR OLD."amr" IS DISTINCT FROM NEW."amr"
   OR OLD."authTime" IS DISTINCT FROM NEW."authTime")
EXECUTE FUNCTION "notify_auth_change"('session');
