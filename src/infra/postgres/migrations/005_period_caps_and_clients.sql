-- 005_period_caps_and_clients: the benefit's frequency cap (benefit.perUserPer) decided inside the
-- issuance functions, and API clients declared through the admin API.
--
-- The cap counts the user's own asset rows issued within the calendar period, under the advisory
-- lock that already serializes one instance's (activity x user) issuances: two clicks of one user
-- cannot both pass it, and no row is shared between users (no hot row). The period's bounds are
-- computed by the caller (domain/calendar-period.ts, the activity's IANA time zone) and passed in:
-- one definition of "a day in Asia/Shanghai" for the memory ledger, dry runs and this one.
--
-- The new parameters default to NULL (no cap), so a process still calling the old signatures keeps
-- working during a rolling deploy. r_in_period is how many assets the user received in the period
-- (0 when no cap was checked).

DROP FUNCTION issue_asset(text, text, text, integer, timestamptz, timestamptz, text, text);
DROP FUNCTION issue_next_asset(text, text, text, integer, timestamptz, timestamptz, text);

-- Answers how many assets the instance received in [p_from, p_until), or NULL when there is no cap
-- or the cap still has room.
CREATE FUNCTION period_cap_reached(
  p_activity_id text, p_user_id text, p_count integer, p_from timestamptz, p_until timestamptz
) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_in_period integer;
BEGIN
  IF p_count IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT count(*) INTO v_in_period FROM assets a
   WHERE a.activity_id = p_activity_id AND a.user_id = p_user_id AND a.issued_at >= p_from AND a.issued_at < p_until;
  IF v_in_period >= p_count THEN
    RETURN v_in_period;
  END IF;
  RETURN NULL;
END
$$;

-- 004's issue_asset with the cap checked after the per-user bound, before stock.
CREATE FUNCTION issue_asset(
  p_activity_id text, p_user_id text, p_pool text, p_per_user integer,
  p_issued_at timestamptz, p_expires_at timestamptz, p_key text, p_event_id text,
  p_cap_count integer DEFAULT NULL, p_cap_from timestamptz DEFAULT NULL, p_cap_until timestamptz DEFAULT NULL
) RETURNS TABLE (r_outcome text, r_held integer, r_asset jsonb, r_in_period integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_asset assets%ROWTYPE;
  v_held integer;
  v_in_period integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('strategy-center:issue:' || p_activity_id || ':' || p_user_id, 0));

  SELECT * INTO v_asset FROM assets a WHERE a.idempotency_key = p_key;
  IF FOUND THEN
    RETURN QUERY SELECT 'existing'::text, 0, to_jsonb(v_asset), 0;
    RETURN;
  END IF;

  SELECT * INTO v_asset FROM assets a
   WHERE a.activity_id = p_activity_id AND a.user_id = p_user_id AND a.status = 'active' AND a.expires_at > p_issued_at
   ORDER BY a.seq LIMIT 1;
  IF FOUND THEN
    RETURN QUERY SELECT 'held'::text, 0, to_jsonb(v_asset), 0;
    RETURN;
  END IF;

  SELECT count(*) INTO v_held FROM assets a WHERE a.activity_id = p_activity_id AND a.user_id = p_user_id;
  IF v_held >= p_per_user THEN
    RETURN QUERY SELECT 'limit_reached'::text, v_held, NULL::jsonb, 0;
    RETURN;
  END IF;

  v_in_period := period_cap_reached(p_activity_id, p_user_id, p_cap_count, p_cap_from, p_cap_until);
  IF v_in_period IS NOT NULL THEN
    RETURN QUERY SELECT 'period_limit_reached'::text, v_held, NULL::jsonb, v_in_period;
    RETURN;
  END IF;

  RETURN QUERY SELECT w.r_outcome, w.r_held, w.r_asset, 0
    FROM issue_asset_write(p_activity_id, p_user_id, p_pool, p_issued_at, p_expires_at, p_key, p_event_id, v_held) w;
END
$$;

-- 004's issue_next_asset with the cap checked after the per-user bound, before the round's key.
CREATE FUNCTION issue_next_asset(
  p_activity_id text, p_user_id text, p_pool text, p_per_user integer,
  p_issued_at timestamptz, p_expires_at timestamptz, p_event_id text,
  p_cap_count integer DEFAULT NULL, p_cap_from timestamptz DEFAULT NULL, p_cap_until timestamptz DEFAULT NULL
) RETURNS TABLE (r_outcome text, r_held integer, r_asset jsonb, r_key text, r_in_period integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_asset assets%ROWTYPE;
  v_held integer;
  v_key text;
  v_in_period integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('strategy-center:issue:' || p_activity_id || ':' || p_user_id, 0));

  SELECT count(*) INTO v_held FROM assets a WHERE a.activity_id = p_activity_id AND a.user_id = p_user_id;
  IF v_held > 0 THEN
    SELECT * INTO v_asset FROM assets a
     WHERE a.activity_id = p_activity_id AND a.user_id = p_user_id AND a.event_id = p_event_id
     ORDER BY a.seq LIMIT 1;
    IF FOUND THEN
      RETURN QUERY SELECT 'caused'::text, v_held, to_jsonb(v_asset), NULL::text, 0;
      RETURN;
    END IF;
    SELECT * INTO v_asset FROM assets a
     WHERE a.activity_id = p_activity_id AND a.user_id = p_user_id AND a.status = 'active' AND a.expires_at > p_issued_at
     ORDER BY a.seq LIMIT 1;
    IF FOUND THEN
      RETURN QUERY SELECT 'held'::text, v_held, to_jsonb(v_asset), NULL::text, 0;
      RETURN;
    END IF;
  END IF;
  IF v_held >= p_per_user THEN
    RETURN QUERY SELECT 'limit_reached'::text, v_held, NULL::jsonb, NULL::text, 0;
    RETURN;
  END IF;

  IF v_held > 0 THEN
    v_in_period := period_cap_reached(p_activity_id, p_user_id, p_cap_count, p_cap_from, p_cap_until);
    IF v_in_period IS NOT NULL THEN
      RETURN QUERY SELECT 'period_limit_reached'::text, v_held, NULL::jsonb, NULL::text, v_in_period;
      RETURN;
    END IF;
  END IF;

  v_key := p_activity_id || ':' || p_user_id || ':' || v_held;
  RETURN QUERY SELECT w.r_outcome, w.r_held, w.r_asset, v_key, 0
    FROM issue_asset_write(p_activity_id, p_user_id, p_pool, p_issued_at, p_expires_at, v_key, p_event_id, v_held) w;
END
$$;

-- API clients declared through the admin API (clients in the config file stay in the file).
-- Signing is HMAC, so the server needs each secret itself, not a hash of it: `secrets` holds one,
-- or two during a rotation, and is never read back by an answer, a log line or the change log.
-- A client names either `secret_env` (a variable each process reads) or `secrets`, not both.
CREATE TABLE api_clients (
  id text PRIMARY KEY,
  scopes text[] NOT NULL,
  rate_limit jsonb,
  secret_env text,
  secrets text[],
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT api_clients_one_secret_source CHECK ((secret_env IS NULL) <> (secrets IS NULL)),
  CONSTRAINT api_clients_one_or_two_secrets CHECK (secrets IS NULL OR cardinality(secrets) BETWEEN 1 AND 2)
);

-- The change log records client changes too (with their secrets redacted).
ALTER TABLE config_changes DROP CONSTRAINT config_changes_kind_check;
ALTER TABLE config_changes ADD CONSTRAINT config_changes_kind_check CHECK (kind IN ('activity', 'template', 'client'));
