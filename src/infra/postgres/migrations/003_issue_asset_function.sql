-- Issuance in one round trip. The same checks, in the port's order, as the JavaScript the memory
-- ledger runs (domain/issuance.ts); the rights-ledger conformance suite holds both to it:
--   1. the idempotency key already used  -> 'existing' with that asset
--   2. a usable asset held               -> 'held' with it (active and not yet expired at p_now)
--   3. the per-user bound reached        -> 'limit_reached' with the count
--   4. no stock left                     -> 'out_of_stock'
--   else the asset is written and one unit of stock taken -> 'issued'
-- Called in autocommit, the function body is one transaction. The advisory lock serializes the
-- issuances of one instance (activity x user) across processes; each statement below takes a new
-- snapshot after it, so it sees every issuance that committed before. The asset is inserted
-- before the stock is taken so that the pool row, which every issuance of the pool contends on,
-- stays locked only for the last statement and the commit.
CREATE FUNCTION issue_asset(
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

  -- A plain read first: an empty (or unknown) pool answers without writing; the UPDATE below
  -- stays the authority when the last units go concurrently.
  PERFORM 1 FROM benefit_pools WHERE id = p_pool AND remaining > 0;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'out_of_stock'::text, 0, NULL::jsonb;
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
    RETURN QUERY SELECT 'existing'::text, 0, to_jsonb(v_asset);
    RETURN;
  END IF;

  UPDATE benefit_pools SET remaining = remaining - 1, updated_at = now() WHERE id = p_pool AND remaining > 0;
  IF NOT FOUND THEN
    DELETE FROM assets WHERE id = v_asset.id;
    RETURN QUERY SELECT 'out_of_stock'::text, 0, NULL::jsonb;
    RETURN;
  END IF;

  RETURN QUERY SELECT 'issued'::text, 0, to_jsonb(v_asset);
END
$$;
