package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// APIToken is a researcher's read-only key. The secret itself is never
// stored: only its sha256.
type APIToken struct {
	ID         int64      `db:"id" json:"id"`
	Name       string     `db:"name" json:"name"`
	Scope      string     `db:"scope" json:"scope"`
	CreatedBy  string     `db:"created_by" json:"created_by"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at" json:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at"`
}

// TokenPrefix starts every token, so a leaked one is recognisable.
const TokenPrefix = "heard_"

const tokenColumns = `id, name, scope, created_by, created_at, last_used_at, revoked_at`

// CreateAPIToken makes a read-only token and returns it with its secret,
// which is shown this once.
func (s *Store) CreateAPIToken(ctx context.Context, name, createdBy string) (APIToken, string, error) {
	if strings.TrimSpace(name) == "" {
		return APIToken{}, "", &ValidationError{Fields: map[string]string{"name": "is required: say who the token is for"}}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return APIToken{}, "", fmt.Errorf("token: %w", err)
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	var t APIToken
	err := s.q.GetContext(ctx, &t, `INSERT INTO api_tokens (name, token_sha256, created_by)
		VALUES ($1, $2, $3) RETURNING `+tokenColumns, strings.TrimSpace(name), SHA256Hex([]byte(secret)), createdBy)
	if err != nil {
		return APIToken{}, "", wrapErr("create token", err)
	}
	return t, secret, nil
}

// APITokenBySecret returns the live token with the secret and marks it
// used; revoked or unknown secrets are ErrNotFound.
func (s *Store) APITokenBySecret(ctx context.Context, secret string, at time.Time) (APIToken, error) {
	var t APIToken
	err := s.q.GetContext(ctx, &t, `UPDATE api_tokens SET last_used_at = $2
		WHERE token_sha256 = $1 AND revoked_at IS NULL RETURNING `+tokenColumns, SHA256Hex([]byte(secret)), at)
	if err != nil {
		return t, wrapErr("token", err)
	}
	return t, nil
}

// APITokenByID returns one token, revoked or not; ErrNotFound when there is
// none.
func (s *Store) APITokenByID(ctx context.Context, id int64) (APIToken, error) {
	var t APIToken
	if err := s.q.GetContext(ctx, &t, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = $1`, id); err != nil {
		return t, wrapErr(fmt.Sprintf("token %d", id), err)
	}
	return t, nil
}

// RevokeAPIToken revokes a token for good; it stays listed.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64, at time.Time) (APIToken, error) {
	var t APIToken
	err := s.q.GetContext(ctx, &t, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $2)
		WHERE id = $1 RETURNING `+tokenColumns, id, at)
	if err != nil {
		return t, wrapErr(fmt.Sprintf("token %d", id), err)
	}
	return t, nil
}

// APITokens lists every token, newest first.
func (s *Store) APITokens(ctx context.Context) ([]APIToken, error) {
	out := []APIToken{}
	if err := s.q.SelectContext(ctx, &out, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id DESC`); err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return out, nil
}
