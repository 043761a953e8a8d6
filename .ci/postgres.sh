#!/usr/bin/env bash
# A local PostgreSQL server for the `postgres` tests (the Dagster instance on PostgreSQL):
# installs Debian's package if needed, starts its cluster, makes a role that may create
# databases, and prints the URL to put in PERF_PIPELINE_TEST_POSTGRES_URL.
set -euo pipefail
ROLE=perf_pipeline_ci
PASSWORD=perf_pipeline_ci

if ! command -v pg_lsclusters >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
read -r version cluster port _ < <(pg_lsclusters --no-header | head -n 1) || true
if [ -z "${version:-}" ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
    cluster=main
    pg_createcluster "$version" "$cluster" >/dev/null
    port=$(pg_lsclusters --no-header | awk -v v="$version" '$1 == v {print $3; exit}')
fi
pg_ctlcluster "$version" "$cluster" start >/dev/null 2>&1 || true  # may be running
pg_isready -q -h 127.0.0.1 -p "$port" -t 30
runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END \$\$;
SQL
echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$port/postgres"
