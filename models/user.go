package models

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Role is what a staff user may do.
type Role string

// The roles of issue 6, most powerful first.
const (
	RoleAdmin  Role = "admin"  // everything, including accounts
	RoleEditor Role = "editor" // review, annotate, override
	RoleViewer Role = "viewer" // read the staff workspace
)

// Roles lists the valid roles.
var Roles = []Role{RoleAdmin, RoleEditor, RoleViewer}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// User is a staff account. PasswordHash never leaves the server.
type User struct {
	ID             int64      `db:"id" json:"id"`
	Email          string     `db:"email" json:"email"`
	Role           Role       `db:"role" json:"role"`
	PasswordHash   string     `db:"password_hash" json:"-"`
	SessionVersion int        `db:"session_version" json:"-"`
	CreatedAt      time.Time  `db:"created_at" json:"created_at"`
	DisabledAt     *time.Time `db:"disabled_at" json:"disabled_at,omitempty"`
}

const userColumns = `id, email, role, password_hash, session_version, created_at, disabled_at`

// NormalizeEmail is the form in which emails are stored and looked up.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// AddUser stores a new user with the argon2id hash of password. A second
// user with the same email (in any case) is ErrConflict.
func (s *Store) AddUser(ctx context.Context, email string, role Role, password string) (User, error) {
	email = NormalizeEmail(email)
	fields := map[string]string{}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		fields["email"] = "must be an email address"
	}
	if !role.Valid() {
		fields["role"] = "must be admin, editor or viewer"
	}
	if len(password) < 12 {
		fields["password"] = "must be at least 12 characters"
	}
	if len(fields) > 0 {
		return User{}, &ValidationError{Fields: fields}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.q.QueryRowxContext(ctx, `INSERT INTO users (email, role, password_hash) VALUES ($1, $2, $3)
		RETURNING `+userColumns, email, role, hash).StructScan(&u)
	if err != nil {
		return User{}, wrapErr("add user", err)
	}
	return u, nil
}

// UserByEmail returns the user with email, in any case, or ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.q.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE lower(email) = $1`, NormalizeEmail(email))
	if err != nil {
		return User{}, wrapErr("user by email", err)
	}
	return u, nil
}

// UserByID returns the user with id, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	if err := s.q.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE id = $1`, id); err != nil {
		return User{}, wrapErr(fmt.Sprintf("user %d", id), err)
	}
	return u, nil
}

// BumpSessionVersion invalidates every session of user id: sessions carry
// the version they were made with, and only the current one is accepted.
func (s *Store) BumpSessionVersion(ctx context.Context, id int64) (int, error) {
	var v int
	err := s.q.GetContext(ctx, &v, `UPDATE users SET session_version = session_version + 1 WHERE id = $1
		RETURNING session_version`, id)
	if err != nil {
		return 0, wrapErr(fmt.Sprintf("bump sessions of user %d", id), err)
	}
	return v, nil
}

// SetPassword replaces a user's password and ends every session the user
// has, so a stolen session does not outlive the password it came with.
func (s *Store) SetPassword(ctx context.Context, email, password string) (User, error) {
	if len(password) < 12 {
		return User{}, &ValidationError{Fields: map[string]string{"password": "must be at least 12 characters"}}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.q.QueryRowxContext(ctx, `UPDATE users SET password_hash = $2, session_version = session_version + 1
		WHERE email = $1 RETURNING `+userColumns, NormalizeEmail(email), hash).StructScan(&u)
	if err != nil {
		return User{}, wrapErr("set password of "+email, err)
	}
	return u, nil
}
