#!/bin/sh
# restore.sh DUMP TARGET_URL — restore a dump made by backup.sh into the
# database TARGET_URL names, then print its migration status.
#
# The target database must exist (createdb). The dump's checksum is checked
# first and the archive read through before anything is touched. Then every
# table, function and sequence the dump holds is dropped from the target, if
# there, and recreated from the dump (pg_restore --clean --if-exists), all in
# one transaction: if any step fails the target is left as it was. Objects
# are owned by the role TARGET_URL logs in as (--no-owner) and privileges are
# not restored (--no-acl; Heard grants none), so a dump restores under
# another role or on another server.
#
# Stop every `heard serve` using the target first: the restore waits for
# their locks, and they must not write into a database being replaced.
# Tables the dump does not know (a newer Heard's) are left alone, so restore
# an older dump into a fresh database rather than over a newer one. A dump
# from an older Heard shows pending migrations, which `heard migrate up` (or
# the next `heard serve`) applies.
#
# Environment:
#   HEARD_BIN   the heard binary (default: heard on PATH)
#   PG_BINDIR   where pg_restore lives, when it is neither on PATH nor under
#               /usr/lib/postgresql/*/bin
set -eu

usage() {
	echo "usage: $0 DUMP TARGET_URL" >&2
	exit 2
}

[ $# -eq 2 ] || usage
dump=$1
target=$2
[ -f "$dump" ] || { echo "restore.sh: $dump is not a file" >&2; exit 2; }
[ -f "$dump.sha256" ] || { echo "restore.sh: $dump.sha256 is missing: is this a dump from backup.sh?" >&2; exit 1; }
heard=${HEARD_BIN:-heard}
command -v "$heard" >/dev/null 2>&1 || { echo "restore.sh: $heard not found; put heard on PATH or set HEARD_BIN" >&2; exit 2; }

# pgtool NAME prints the path of a PostgreSQL client program: PG_BINDIR's,
# then PATH's, then the newest of Debian's versioned directories.
pgtool() {
	if [ -n "${PG_BINDIR:-}" ]; then
		[ -x "$PG_BINDIR/$1" ] && { echo "$PG_BINDIR/$1"; return; }
		echo "restore.sh: no $1 in PG_BINDIR=$PG_BINDIR" >&2
		return 1
	fi
	if command -v "$1" >/dev/null 2>&1; then
		command -v "$1"
		return
	fi
	found=$(printf '%s\n' /usr/lib/postgresql/*/bin/"$1" | sort -V | tail -n 1)
	if [ -x "$found" ]; then
		echo "$found"
		return
	fi
	echo "restore.sh: $1 not found on PATH or under /usr/lib/postgresql/*/bin; install postgresql-client (apt-get install postgresql-client) or set PG_BINDIR" >&2
	return 1
}
pg_restore=$(pgtool pg_restore)

want=$(cut -d' ' -f1 "$dump.sha256")
got=$(sha256sum "$dump" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
	echo "restore.sh: $dump does not match its checksum (sha256 $got, expected $want)" >&2
	exit 1
fi
"$pg_restore" --list "$dump" >/dev/null

"$pg_restore" --clean --if-exists --no-owner --no-acl --single-transaction --exit-on-error \
	--dbname="$target" "$dump"
echo "restored $dump" >&2
DATABASE_URL=$target "$heard" migrate status
