-- Written by hand (Prisma does not model triggers); see *_auth_change_notifications.
-- Deleting a session that has ended (revoked) or expired no longer notifies the auth caches. Such
-- rows are what the cleanup deletes, a day after they ended, in batches of thousands: each row
-- paid a NOTIFY, which serialises the commits of all notifying transactions while requests wait
-- behind them. Nothing is lost: a revocation notified when it happened, and a cache never serves a
-- session past its cached expiry, which is never later than the stored one
-- (*_session_extension_without_notification). Deleting a live session (with its user) still
-- notifies.
DROP TRIGGER "Session_auth_change_delete" ON "Session";
CREATE TRIGGER "Session_auth_change_delete"
AFTER DELETE ON "Session"
FOR EACH ROW
WHEN (OLD."revokedAt" IS NULL AND OLD."expiresAt" > now())
EXECUTE FUNCTION "notify_auth_change"('session');
