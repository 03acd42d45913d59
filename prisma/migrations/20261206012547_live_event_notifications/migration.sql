-- What subscriptions deliver, published on the channel "live_events" for every API process (each
-- LISTENs on the auth cache's listener connection). Like "auth_changes", a trigger publishes, so
-- that no code path that starts or ends a session or publishes a post can forget to; and the
-- notification is sent only when the transaction commits. Payloads carry ids and the few values an
-- event is made of, never the row: a process reads what it needs.
--   session_started:<userId>:<sessionId>:<at, ms since the epoch>
--   session_ended:<userId>:<sessionId>:<at, ms since the epoch>:<reason>
--   post_published:<postId>

CREATE FUNCTION "notify_session_started"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('live_events', 'session_started:' || NEW."userId"::text || ':' || NEW."id"::text || ':'
    || floor(extract(epoch FROM NEW."createdAt") * 1000)::bigint::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Session_live_started"
AFTER INSERT ON "Session"
FOR EACH ROW
EXECUTE FUNCTION "notify_session_started"();

-- Ended: revokedAt set (the reason is revokedReason, Session's comment lists them), or a live row
-- deleted, which only happens with its deleted user. The cleanup's deletes of sessions that ended
-- or expired long ago publish nothing: an ending was published when it happened, and an expiry a
-- day old is no news (a client sees every session's expiresAt in mySessions).
CREATE FUNCTION "notify_session_ended"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ended_at timestamptz;
  reason text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    ended_at := NEW."revokedAt";
    reason := coalesce(NEW."revokedReason", '');
  ELSE
    ended_at := now();
    reason := 'ACCOUNT_DELETED';
  END IF;
  PERFORM pg_notify('live_events', 'session_ended:' || OLD."userId"::text || ':' || OLD."id"::text || ':'
    || floor(extract(epoch FROM ended_at) * 1000)::bigint::text || ':' || reason);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Session_live_ended_update"
AFTER UPDATE OF "revokedAt" ON "Session"
FOR EACH ROW
WHEN (OLD."revokedAt" IS NULL AND NEW."revokedAt" IS NOT NULL)
EXECUTE FUNCTION "notify_session_ended"();

CREATE TRIGGER "Session_live_ended_delete"
AFTER DELETE ON "Session"
FOR EACH ROW
WHEN (OLD."revokedAt" IS NULL AND OLD."expiresAt" > now())
EXECUTE FUNCTION "notify_session_ended"();

-- Published: publishedAt goes from null (a draft) to a time, or a post is inserted published.
CREATE FUNCTION "notify_post_published"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('live_events', 'post_published:' || NEW."id"::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Post_live_published_update"
AFTER UPDATE OF "publishedAt" ON "Post"
FOR EACH ROW
WHEN (OLD."publishedAt" IS NULL AND NEW."publishedAt" IS NOT NULL)
EXECUTE FUNCTION "notify_post_published"();

CREATE TRIGGER "Post_live_published_insert"
AFTER INSERT ON "Post"
FOR EACH ROW
WHEN (NEW."publishedAt" IS NOT NULL)
EXECUTE FUNCTION "notify_post_published"();
