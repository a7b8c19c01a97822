-- 001_initial: the rights ledger (pools and assets), activities and dead letters.
-- Runs with search_path set to the deployment's schema, so no name here is schema-qualified.

-- Stock of one benefit pool. The CHECK is the last line against oversell: even a bug in the
-- issuance code cannot take remaining below zero.
CREATE TABLE benefit_pools (
  id text PRIMARY KEY,
  total integer NOT NULL,
  remaining integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT benefit_pools_remaining_within_total CHECK (remaining >= 0 AND remaining <= total)
);

-- One benefit held by one user. The unique idempotency key is what makes issuance effectively
-- once: every attempt of the same round derives the same key, and only one row can carry it.
-- seq orders a user's assets oldest first independently of the callers' clocks.
CREATE TABLE assets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY,
  activity_id text NOT NULL,
  user_id text NOT NULL,
  pool text NOT NULL REFERENCES benefit_pools (id),
  status text NOT NULL CHECK (status IN ('active', 'redeemed', 'expired')),
  issued_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  redeemed_at timestamptz,
  idempotency_key text NOT NULL,
  event_id text NOT NULL,
  CONSTRAINT assets_idempotency_key_unique UNIQUE (idempotency_key)
);
CREATE INDEX assets_by_instance ON assets (activity_id, user_id, seq);
CREATE INDEX assets_by_pool ON assets (pool);

-- The Activity aggregate is stored whole as JSONB; channels is copied out so that the hot
-- lookup (channel code -> activities) is served by the GIN index.
CREATE TABLE activities (
  id text PRIMARY KEY,
  channels text[] NOT NULL,
  data jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activities_by_channel ON activities USING gin (channels);

-- Messages that could not be parsed or kept failing. body is bytea because a poison message may
-- hold bytes (NUL) that a text column refuses, and a dead-letter store must lose nothing.
CREATE TABLE dead_letters (
  id uuid PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  body bytea NOT NULL,
  reason text NOT NULL,
  attempts integer NOT NULL,
  source text NOT NULL,
  created_at timestamptz NOT NULL,
  replayed_at timestamptz
);
CREATE INDEX dead_letters_newest_first ON dead_letters (seq DESC);
CREATE INDEX dead_letters_pending ON dead_letters (seq DESC) WHERE replayed_at IS NULL;
