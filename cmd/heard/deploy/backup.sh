#!/bin/sh
# backup.sh DIR — dump Heard's database to DIR/heard-<UTC time>.dump.
#
# Everything Heard keeps is in PostgreSQL, stored pages included, so this one
# file is a complete backup. The dump is pg_dump's custom format (compressed,
# restorable table by table with pg_restore; see restore.sh). It is written
# under a temporary name and renamed only once complete and synced, so DIR
# never holds a partial dump under a final name; beside it goes
# heard-<time>.dump.sha256, which `sha256sum -c` checks and restore.sh
# insists on.
#
# Environment:
#   DATABASE_URL   the database to dump (required; the same value heard uses)
#   PG_BINDIR      where pg_dump lives, when it is neither on PATH nor under
#                  /usr/lib/postgresql/*/bin
#
# pg_dump takes a consistent snapshot without stopping Heard: run it while
# serving, from cron or heard-backup.timer. It prints the dump's path.
set -eu
# The dump holds every account's password hash: only its owner may read it.
umask 077

usage() {
	echo "usage: DATABASE_URL=postgres://… $0 DIR" >&2
	exit 2
}

[ $# -eq 1 ] || usage
dir=$1
[ -n "${DATABASE_URL:-}" ] || { echo "backup.sh: DATABASE_URL is not set" >&2; exit 2; }
[ -d "$dir" ] || { echo "backup.sh: $dir is not a directory" >&2; exit 2; }

# pgtool NAME prints the path of a PostgreSQL client program: PG_BINDIR's,
# then PATH's, then the newest of Debian's versioned directories (pg_dump
# must be at least as new as the server it dumps).
pgtool() {
	if [ -n "${PG_BINDIR:-}" ]; then
		[ -x "$PG_BINDIR/$1" ] && { echo "$PG_BINDIR/$1"; return; }
		echo "backup.sh: no $1 in PG_BINDIR=$PG_BINDIR" >&2
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
	echo "backup.sh: $1 not found on PATH or under /usr/lib/postgresql/*/bin; install postgresql-client (apt-get install postgresql-client) or set PG_BINDIR" >&2
	return 1
}
pg_dump=$(pgtool pg_dump)

name=heard-$(date -u +%Y%m%dT%H%M%SZ).dump
final=$dir/$name
if [ -e "$final" ]; then
	echo "backup.sh: $final already exists" >&2
	exit 1
fi
tmp=$(mktemp "$dir/.$name.XXXXXX")
trap 'rm -f "$tmp" "$tmp.sha256"' EXIT
trap 'exit 1' HUP INT TERM

"$pg_dump" --format=custom --file="$tmp" "$DATABASE_URL"
sync "$tmp"

# The checksum names the final file, so `sha256sum -c` works in DIR.
sum=$(sha256sum "$tmp" | cut -d' ' -f1)
printf '%s  %s\n' "$sum" "$name" >"$tmp.sha256"
mv "$tmp.sha256" "$final.sha256"
mv "$tmp" "$final"
sync "$dir"
trap - EXIT
echo "$final"
