#!/usr/bin/env bash
# Finds or starts a PostgreSQL server for `make run` and `make test`, and
# prints the DATABASE_URL to use on stdout (everything else goes to stderr).
#
# In order:
#   1. DATABASE_URL from the environment, when it answers;
#   2. the local server at 127.0.0.1:5432 (user postgres), creating the
#      database `rampart` when missing;
#   3. a private cluster under .data/postgres, started with this machine's
#      PostgreSQL binaries (initdb/pg_ctl) on port 55432;
#   4. `docker compose up -d db redis`, when Docker works;
#   5. otherwise: what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

DBNAME=${RAMPART_DB_NAME:-rampart}
PRIVATE_PORT=${RAMPART_PRIVATE_PG_PORT:-55432}
say() { echo "db.sh: $*" >&2; }

answers() { # URL
	command -v psql >/dev/null 2>&1 || return 1
	PGCONNECT_TIMEOUT=3 psql "$1" -XAtqc 'SELECT 1' >/dev/null 2>&1
}

ensure_database() { # server URL (any database), database name
	local exists
	exists=$(PGCONNECT_TIMEOUT=3 psql "$1" -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$2'" 2>/dev/null || true)
	if [ "$exists" != 1 ]; then
		say "creating database $2"
		PGCONNECT_TIMEOUT=3 psql "$1" -XAtqc "CREATE DATABASE \"$2\"" >/dev/null
	fi
}

# 1. An explicit DATABASE_URL.
if [ -n "${DATABASE_URL:-}" ]; then
	if answers "$DATABASE_URL"; then
		echo "$DATABASE_URL"
		exit 0
	fi
	say "DATABASE_URL is set but does not answer; looking for another server"
fi

# 2. The machine's server on the standard port.
LOCAL=${RAMPART_LOCAL_PG:-postgres://postgres@127.0.0.1:5432}
if answers "$LOCAL/postgres?sslmode=disable"; then
	ensure_database "$LOCAL/postgres?sslmode=disable" "$DBNAME"
	echo "$LOCAL/$DBNAME?sslmode=disable"
	exit 0
fi

# 3. A private cluster with the machine's PostgreSQL binaries.
PGBIN=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) $(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)"); do
	if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then PGBIN=$d; break; fi
done
if [ -n "$PGBIN" ]; then
	DATA="$PWD/.data/postgres"
	PRIVATE="postgres://postgres@127.0.0.1:$PRIVATE_PORT"
	as_owner=()
	if [ "$(id -u)" = 0 ]; then
		# PostgreSQL refuses to run as root: run it as the postgres system user.
		if id postgres >/dev/null 2>&1; then as_owner=(runuser -u postgres --); else PGBIN=""; fi
	fi
	if [ -n "$PGBIN" ]; then
		if ! answers "$PRIVATE/postgres?sslmode=disable"; then
			mkdir -p "$DATA"
			[ ${#as_owner[@]} -gt 0 ] && chown postgres "$DATA" && chmod 0700 "$DATA"
			if [ ! -f "$DATA/PG_VERSION" ]; then
				say "initialising a private PostgreSQL cluster in $DATA"
				"${as_owner[@]}" "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >/dev/null
			fi
			say "starting the private PostgreSQL cluster on 127.0.0.1:$PRIVATE_PORT"
			"${as_owner[@]}" "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
				-o "-p $PRIVATE_PORT -c listen_addresses=127.0.0.1 -k $DATA -c fsync=off" start >/dev/null
		fi
		if answers "$PRIVATE/postgres?sslmode=disable"; then
			ensure_database "$PRIVATE/postgres?sslmode=disable" "$DBNAME"
			echo "$PRIVATE/$DBNAME?sslmode=disable"
			exit 0
		fi
		say "the private cluster did not start; see $DATA/server.log"
	fi
fi

# 4. Docker Compose, where an engine runs.
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
	say "starting db and redis with docker compose"
	docker compose up -d --wait db redis >&2
	URL="$LOCAL/$DBNAME?sslmode=disable"
	if answers "$URL"; then echo "$URL"; exit 0; fi
fi

# 5. Nothing worked.
cat >&2 <<'MSG'
db.sh: no PostgreSQL found. Any one of these works:
  - set DATABASE_URL to a PostgreSQL 13+ server you can create databases on;
  - install PostgreSQL (Debian/Ubuntu: sudo apt-get install postgresql postgresql-client;
    macOS: brew install postgresql@17) and run the command again: a private
    cluster is started under .data/ with no root needed;
  - install Docker and run the command again: `docker compose up -d db redis` is used.
MSG
exit 1
