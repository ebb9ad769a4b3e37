// Package embedded runs the default database of the heard binary: a private
// PostgreSQL cluster under $HEARD_DATA_DIR/postgres, used when DATABASE_URL is
// unset so that heard works on a fresh machine without any database setup.
//
// It uses the server binaries already installed on the machine (initdb,
// pg_ctl, postgres) rather than bundling its own, so security updates come
// from the operating system's packages. On Debian they come from the
// postgresql package.
//
// The server listens only on a unix socket inside the cluster directory and
// trusts local connections, so nothing is exposed on the network and no
// password has to be stored. Several heard processes may share one data
// directory: the first one creates and starts the cluster, the others reuse
// it, serialised by a file lock.
package embedded
