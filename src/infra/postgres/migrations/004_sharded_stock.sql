-- 004_sharded_stock: a pool's stock lives in several slot rows so that a campaign burst on one pool
-- is not serialized on one row lock (measured: the single row held `issue_asset` to ~500 tps at 16
-- clients and ~100 at 64, a lock convoy; see bench/README.md).
--
-- benefit_pools keeps the pool's identity, its total and how many slots it has; what is left lives
-- in benefit_pool_slots. Reading the stock sums the slots; taken = total - Σ remaining, and the
-- issuance functions keep taken = assets written of the pool.

CREATE TABLE benefit_pool_slots (
  pool text NOT NULL REFERENCES benefit_pools (id),
  slot integer NOT NULL CHECK (slot >= 0),
  remaining integer NOT NULL,
  -- The last line against oversell, as benefit_pools' CHECK was: no bug can take a slot below zero.
  CONSTRAINT benefit_pool_slots_remaining_not_negative CHECK (remaining >= 0),
  PRIMARY KEY (pool, slot)
);

ALTER TABLE benefit_pools ADD COLUMN shards integer NOT NULL DEFAULT 1 CHECK (shards >= 1);

-- Existing single-row pools become one slot each, with exactly what they had left: nothing taken
-- is forgotten and nothing left is lost. The pool keeps one slot until its next ensurePool (start,
-- config reload or admin PUT), which spreads what is left over the configured slots.
INSERT INTO benefit_pool_slots (pool, slot, remaining) SELECT id, 0, remaining FROM benefit_pools;

ALTER TABLE benefit_pools DROP CONSTRAINT benefit_pools_remaining_within_total;
ALTER TABLE benefit_pools DROP COLUMN remaining;
ALTER TABLE benefit_pools ADD CONSTRAINT benefit_pools_total_not_negative CHECK (total >= 0);

-- Every asset insert checked this foreign key with a KEY SHARE lock on the pool's one row, which
-- brings back a single hot row (a MultiXact per concurrent insert) that the slots exist to avoid.
-- The issuance functions below only keep an asset when a slot of its pool gave a unit, so an asset
-- still cannot name a pool that does not exist.
ALTER TABLE assets DROP CONSTRAINT IF EXISTS assets_pool_fkey;

-- Creates the pool or resizes it, atomically with concurrent issuance: the pool row and all its
-- slots are locked (in slot order, the only order anything locks several slots in), what was taken
-- is kept (total - Σ remaining), and what is left of the new total is spread evenly over p_shards
-- slots. Slots beyond p_shards are removed; an issuance waiting on one finds it gone and falls
-- through to the others.
CREATE FUNCTION ensure_pool(p_pool text, p_total integer, p_shards integer)
RETURNS TABLE (r_total integer, r_remaining integer, r_shards integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_old_total integer;
  v_left bigint;
  v_remaining integer;
BEGIN
  INSERT INTO benefit_pools (id, total, shards) VALUES (p_pool, p_total, p_shards) ON CONFLICT (id) DO NOTHING;
  -- NO KEY UPDATE: an issuance's reads never wait on it, and it waits for no issuance but the
  -- ones holding a slot it is about to rewrite.
  SELECT total INTO v_old_total FROM benefit_pools WHERE id = p_pool FOR NO KEY UPDATE;
  SELECT coalesce(sum(s.remaining), 0) INTO v_left
    FROM (SELECT remaining FROM benefit_pool_slots WHERE pool = p_pool ORDER BY slot FOR UPDATE) s;
  IF NOT EXISTS (SELECT 1 FROM benefit_pool_slots WHERE pool = p_pool) THEN
    v_left := v_old_total; -- a new pool: nothing taken yet
  END IF;
  v_remaining := greatest(0, p_total - (v_old_total - v_left));

  DELETE FROM benefit_pool_slots WHERE pool = p_pool AND slot >= p_shards;
  INSERT INTO benefit_pool_slots (pool, slot, remaining)
  SELECT p_pool, g, v_remaining / p_shards + CASE WHEN g < v_remaining % p_shards THEN 1 ELSE 0 END
    FROM generate_series(0, p_shards - 1) AS g
  ON CONFLICT (pool, slot) DO UPDATE SET remaining = EXCLUDED.remaining;
  UPDATE benefit_pools SET total = p_total, shards = p_shards, updated_at = now() WHERE id = p_pool;

  RETURN QUERY SELECT p_total, v_remaining, p_shards;
END
$$;

-- Takes one unit of p_pool for p_user. First a slot with stock that no other transaction holds
-- right now (SKIP LOCKED), looked for from the slot the user hashes to: with at least as many slots
-- as concurrent issuers, nobody waits on a row lock. When every slot with stock is held, it waits
-- its turn on them in the same order, falling through to every other slot that still holds
-- stock. Answers the slot taken, or NULL when a scan found no slot with stock — so a pool is never
-- answered sold out while a slot held stock at that scan. The slot row stays locked until the
-- caller commits; no other slot is locked meanwhile.
CREATE FUNCTION take_pool_unit(p_pool text, p_user text)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_start bigint := hashtext(p_user)::bigint & 2147483647;
  v_slot integer;
  v_any boolean;
BEGIN
  UPDATE benefit_pool_slots s SET remaining = s.remaining - 1
   WHERE s.pool = p_pool AND s.remaining > 0 AND s.slot = (
     SELECT c.slot FROM benefit_pool_slots c JOIN benefit_pools p ON p.id = c.pool
      WHERE c.pool = p_pool AND c.remaining > 0
      ORDER BY (c.slot - v_start % p.shards + p.shards) % p.shards
      LIMIT 1 FOR UPDATE OF c SKIP LOCKED)
  RETURNING s.slot INTO v_slot;
  IF FOUND THEN
    RETURN v_slot;
  END IF;
  LOOP
    v_any := false;
    FOR v_slot IN
      SELECT s.slot FROM benefit_pool_slots s JOIN benefit_pools p ON p.id = s.pool
       WHERE s.pool = p_pool AND s.remaining > 0
       ORDER BY (s.slot - v_start % p.shards + p.shards) % p.shards
    LOOP
      v_any := true;
      UPDATE benefit_pool_slots SET remaining = remaining - 1 WHERE pool = p_pool AND slot = v_slot AND remaining > 0;
      IF FOUND THEN
        RETURN v_slot;
      END IF;
    END LOOP;
    -- Every slot seen with stock was emptied by others meanwhile; look again with a new snapshot
    -- (a resize may have refilled them) until a scan finds none.
    EXIT WHEN NOT v_any;
  END LOOP;
  RETURN NULL;
END
$$;

-- The same contract and checks as 003's issue_asset, taking stock from the slots.
CREATE OR REPLACE FUNCTION issue_asset(
  p_activity_id text, p_user_id text, p_pool text, p_per_user integer,
  p_issued_at timestamptz, p_expires_at timestamptz, p_key text, p_event_id text
) RETURNS TABLE (r_outcome text, r_held integer, r_asset jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_asset assets%ROWTYPE;
  v_held integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('strategy-center:issue:' || p_activity_id || ':' || p_user_id, 0));

  SELECT * INTO v_asset FROM assets a WHERE a.idempotency_key = p_key;
  IF FOUND THEN
    RETURN QUERY SELECT 'existing'::text, 0, to_jsonb(v_asset);
    RETURN;
  END IF;

  SELECT * INTO v_asset FROM assets a
   WHERE a.activity_id = p_activity_id AND a.user_id = p_user_id AND a.status = 'active' AND a.expires_at > p_issued_at
   ORDER BY a.seq LIMIT 1;
  IF FOUND THEN
    RETURN QUERY SELECT 'held'::text, 0, to_jsonb(v_asset);
    RETURN;
  END IF;

  SELECT count(*) INTO v_held FROM assets a WHERE a.activity_id = p_activity_id AND a.user_id = p_user_id;
  IF v_held >= p_per_user THEN
    RETURN QUERY SELECT 'limit_reached'::text, v_held, NULL::jsonb;
    RETURN;
  END IF;

  RETURN QUERY SELECT * FROM issue_asset_write(p_activity_id, p_user_id, p_pool, p_issued_at, p_expires_at, p_key, p_event_id, v_held);
END
$$;

-- The write half shared by issue_asset and issue_next_asset, once the checks let it through:
-- a plain read answers an empty (or unknown) pool without writing; then the asset is inserted under
-- its unique key and a unit taken from a slot, or the asset removed again if the last units went
-- to others meanwhile.
CREATE FUNCTION issue_asset_write(
  p_activity_id text, p_user_id text, p_pool text,
  p_issued_at timestamptz, p_expires_at timestamptz, p_key text, p_event_id text, p_held integer
) RETURNS TABLE (r_outcome text, r_held integer, r_asset jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_asset assets%ROWTYPE;
BEGIN
  PERFORM 1 FROM benefit_pool_slots WHERE pool = p_pool AND remaining > 0;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'out_of_stock'::text, p_held, NULL::jsonb;
    RETURN;
  END IF;

  INSERT INTO assets (activity_id, user_id, pool, status, issued_at, expires_at, idempotency_key, event_id)
  VALUES (p_activity_id, p_user_id, p_pool, 'active', p_issued_at, p_expires_at, p_key, p_event_id)
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING * INTO v_asset;
  IF NOT FOUND THEN
    -- Written meanwhile by an issuance of another instance under the same key (the advisory lock
    -- covers only this instance): the same key yields the same asset, and no stock is taken.
    SELECT * INTO v_asset FROM assets a WHERE a.idempotency_key = p_key;
    RETURN QUERY SELECT 'existing'::text, p_held, to_jsonb(v_asset);
    RETURN;
  END IF;

  IF take_pool_unit(p_pool, p_user_id) IS NULL THEN
    DELETE FROM assets WHERE id = v_asset.id;
    RETURN QUERY SELECT 'out_of_stock'::text, p_held, NULL::jsonb;
    RETURN;
  END IF;

  RETURN QUERY SELECT 'issued'::text, p_held, to_jsonb(v_asset);
END
$$;

-- One round trip for a click: the checks query-asset and send-benefit made in two (the event's own
-- asset, a usable asset held, the per-user bound), then the round's key — activity:user:round, the
-- round being how many assets the user holds from the activity (domain/idempotency-key.ts) — and
-- the write. r_outcome 'caused' names this event's own asset from an earlier answer; r_held is how
-- many assets the user held before this call; r_key the key written under (NULL when refused).
CREATE FUNCTION issue_next_asset(
  p_activity_id text, p_user_id text, p_pool text, p_per_user integer,
  p_issued_at timestamptz, p_expires_at timestamptz, p_event_id text
) RETURNS TABLE (r_outcome text, r_held integer, r_asset jsonb, r_key text)
LANGUAGE plpgsql AS $$
DECLARE
  v_asset assets%ROWTYPE;
  v_held integer;
  v_key text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('strategy-center:issue:' || p_activity_id || ':' || p_user_id, 0));

  SELECT count(*) INTO v_held FROM assets a WHERE a.activity_id = p_activity_id AND a.user_id = p_user_id;
  IF v_held > 0 THEN
    SELECT * INTO v_asset FROM assets a
     WHERE a.activity_id = p_activity_id AND a.user_id = p_user_id AND a.event_id = p_event_id
     ORDER BY a.seq LIMIT 1;
    IF FOUND THEN
      RETURN QUERY SELECT 'caused'::text, v_held, to_jsonb(v_asset), NULL::text;
      RETURN;
    END IF;
    SELECT * INTO v_asset FROM assets a
     WHERE a.activity_id = p_activity_id AND a.user_id = p_user_id AND a.status = 'active' AND a.expires_at > p_issued_at
     ORDER BY a.seq LIMIT 1;
    IF FOUND THEN
      RETURN QUERY SELECT 'held'::text, v_held, to_jsonb(v_asset), NULL::text;
      RETURN;
    END IF;
  END IF;
  IF v_held >= p_per_user THEN
    RETURN QUERY SELECT 'limit_reached'::text, v_held, NULL::jsonb, NULL::text;
    RETURN;
  END IF;

  v_key := p_activity_id || ':' || p_user_id || ':' || v_held;
  RETURN QUERY SELECT w.r_outcome, w.r_held, w.r_asset, v_key
    FROM issue_asset_write(p_activity_id, p_user_id, p_pool, p_issued_at, p_expires_at, v_key, p_event_id, v_held) w;
END
$$;
