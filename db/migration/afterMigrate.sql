-- Runs after every migration (a Flyway callback, not a versioned migration): the service's runtime login
-- reads which migrations are applied, to refuse to start on a schema older than its code, since it never
-- migrates itself.

-- [jooq ignore start]
GRANT SELECT ON flyway_schema_history TO octo_sts_runtime;
-- [jooq ignore stop]
