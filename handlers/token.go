package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"heard/models"
)

const apiTokenKey = "api_token"

// TokenRateFactor is how many times the per-client limit a researcher's
// API token gets.
const TokenRateFactor = 10

// apiToken reads a researcher's token from `Authorization: Bearer …` on API
// requests. A token that is unknown or revoked is refused with 401 rather
// than ignored, so a script learns at once that its key no longer works.
// Tokens are read-only: they grant a higher rate limit, never a write.
func (h *Handler) apiToken() gin.HandlerFunc {
	return func(c *gin.Context) {
		auth := c.GetHeader("Authorization")
		if h.store == nil || !isAPI(c) || auth == "" {
			c.Next()
			return
		}
		secret, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || !strings.HasPrefix(secret, models.TokenPrefix) {
			respondError(c, http.StatusUnauthorized, "invalid_token", "Send an API token as `Authorization: Bearer heard_…`.", nil)
			return
		}
		t, err := h.store.APITokenBySecret(c.Request.Context(), strings.TrimSpace(secret), h.opts.Now())
		switch {
		case isNotFound(err):
			respondError(c, http.StatusUnauthorized, "invalid_token", "This API token is unknown or has been revoked.", nil)
			return
		case err != nil:
			h.respondErr(c, err)
			return
		}
		c.Set(apiTokenKey, t)
		c.Next()
	}
}

// perTokenOrIP gives a request with a valid API token its token's own
// bucket, TokenRateFactor times the per-client allowance, and every other
// request its client's.
func perTokenOrIP(limit rate.Limit, burst int) limitKeyFunc {
	byIP := perClientIP(limit, burst)
	return func(c *gin.Context) (string, rate.Limit, int) {
		if v, ok := c.Get(apiTokenKey); ok {
			t := v.(models.APIToken)
			return "token:" + strconv.FormatInt(t.ID, 10), limit * TokenRateFactor, burst * TokenRateFactor
		}
		return byIP(c)
	}
}
