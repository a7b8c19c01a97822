-- 006_outcome_rollup: the outcomes of activities (issued, redeemed, rejected by reason, failed),
-- counted per hour for the stats endpoint without a counter inside the issuance transaction, which
-- would be one hot row per activity that every issuance waits on.
--
-- Each process appends outcomes to outcome_inbox in batches, off the issuance path (insert only:
-- concurrent appenders never wait on each other). A refresh, run by whichever process wins the
-- advisory lock, moves the inbox into outcome_rollup in one statement. Reads sum the rollup and
-- what is still in the inbox (outcome_inbox_deltas), so an answer never depends on a refresh.

CREATE TABLE outcome_inbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  outcome text NOT NULL CHECK (outcome IN ('issued', 'redeemed', 'rejected', 'failed')),
  activity_id text NOT NULL,
  -- NULL for a redemption: it counts under the version the asset was issued under.
  template_id text,
  version text,
  -- A bounded code (rejected, failed); '' otherwise. A grouping key, never free text.
  reason text NOT NULL DEFAULT '',
  at timestamptz NOT NULL,
  asset_id text,
  expires_at timestamptz
);
CREATE INDEX outcome_inbox_issued_assets ON outcome_inbox (asset_id) WHERE outcome = 'issued';

-- The version each recorded asset was issued under, so that its redemption (and its expiry)
-- counts there. One row per issued asset, as in `assets`.
CREATE TABLE outcome_assets (
  asset_id text PRIMARY KEY,
  template_id text NOT NULL,
  version text NOT NULL
);

-- status: issued, redeemed, rejected, failed, or expiring (assets issued that expire in this
-- hour, less those redeemed: once the hour is over, how many expired unused).
CREATE TABLE outcome_rollup (
  activity_id text NOT NULL,
  hour timestamptz NOT NULL,
  template_id text NOT NULL,
  version text NOT NULL,
  status text NOT NULL,
  reason text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (activity_id, hour, template_id, version, status, reason)
);

-- What the inbox adds to the rollup, row by row. A redemption finds its asset's version in
-- outcome_assets or, when both are still in the inbox, in the issuance beside it; one whose
-- issuance was never recorded counts under '' and takes nothing from `expiring`.
CREATE VIEW outcome_inbox_deltas AS
WITH resolved AS (
  SELECT i.outcome, i.activity_id, i.reason, i.at, i.expires_at,
         CASE WHEN i.outcome = 'redeemed' THEN coalesce(oa.template_id, pending.template_id) ELSE i.template_id END AS template_id,
         CASE WHEN i.outcome = 'redeemed' THEN coalesce(oa.version, pending.version) ELSE i.version END AS version
    FROM outcome_inbox i
    LEFT JOIN outcome_assets oa ON i.outcome = 'redeemed' AND oa.asset_id = i.asset_id
    LEFT JOIN LATERAL (
      SELECT j.template_id, j.version FROM outcome_inbox j
       WHERE i.outcome = 'redeemed' AND j.outcome = 'issued' AND j.asset_id = i.asset_id
       LIMIT 1
    ) pending ON true
)
SELECT activity_id, coalesce(template_id, '') AS template_id, coalesce(version, '') AS version,
       date_trunc('hour', at, 'UTC') AS hour, outcome AS status, reason, 1::bigint AS delta
  FROM resolved
UNION ALL
SELECT activity_id, template_id, version, date_trunc('hour', expires_at, 'UTC'), 'expiring', '',
       CASE WHEN outcome = 'issued' THEN 1::bigint ELSE -1::bigint END
  FROM resolved
 WHERE outcome IN ('issued', 'redeemed') AND template_id IS NOT NULL AND expires_at IS NOT NULL;
