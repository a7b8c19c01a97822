-- 002_live_configuration: declared templates, the change log of the live configuration, and what
-- the config file last applied. Runs with search_path set to the deployment's schema.

-- Templates declared in the config file or through the admin API. Insert-only: a published
-- id@version never changes (a change is a new version), and the trigger below is the last line
-- against a bug that would try.
CREATE TABLE templates (
  id text NOT NULL,
  version text NOT NULL,
  declaration jsonb NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, version)
);

CREATE FUNCTION templates_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'template %@% is published and cannot change; publish a new version', OLD.id, OLD.version
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER templates_insert_only BEFORE UPDATE OR DELETE ON templates
  FOR EACH ROW EXECUTE FUNCTION templates_are_immutable();

-- Every change of an activity or template: who, when, before and after (null before = created).
CREATE TABLE config_changes (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('activity', 'template')),
  subject text NOT NULL,
  before jsonb,
  after jsonb
);
CREATE INDEX config_changes_by_subject ON config_changes (kind, subject, seq DESC);

-- The hash of the declaration the config file last applied for each subject: at start, and on
-- every reload, the file re-applies only what it changed since, so a restart never reverts a
-- change made through the admin API.
CREATE TABLE file_applied (
  kind text NOT NULL CHECK (kind IN ('activity', 'template')),
  subject text NOT NULL,
  hash text NOT NULL,
  source text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, subject)
);
