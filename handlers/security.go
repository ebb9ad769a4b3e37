package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// pageCSP is the Content-Security-Policy of every response that does not
// set its own: only Heard's own stylesheet and images, no inline style or
// script (the national map positions its tiles with classes for this), and
// no framing. The widget and snapshots replace it with their own.
const pageCSP = "default-src 'self'; base-uri 'self'; form-action 'self'; object-src 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries. They are set
// before the handler runs, so a handler that needs another policy (the
// framable widget, sandboxed snapshots) overwrites them.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		c.Next()
	}
}

// crossOriginProtection refuses unsafe cross-origin browser requests (the
// CSRF defence of issue 6, with SameSite=Lax cookies) using Go's
// net/http.CrossOriginProtection: Sec-Fetch-Site, or else Origin against
// Host. GET, HEAD and OPTIONS always pass, so they must change nothing.
func crossOriginProtection() gin.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			respondError(c, http.StatusForbidden, "cross_origin", "Cross-origin requests that change data are refused.", nil)
			return
		}
		c.Next()
	}
}

// Login attempts allowed per account and per client address: five a
// minute, all at once at most, so guessing passwords is slow from one
// place and against one account from many places.
const (
	loginRate  = rate.Limit(5.0 / 60)
	loginBurst = 5
)

// loginLimiter counts login attempts by account and by client address.
type loginLimiter struct{ rl *rateLimiter }

func newLoginLimiter() *loginLimiter { return &loginLimiter{rl: newRateLimiter(nil)} }

// allow takes an attempt from both the account's and the address's bucket
// and returns zero, or how long to wait when either is empty.
func (l *loginLimiter) allow(email, ip string) time.Duration {
	wa := l.rl.wait("login-ip:"+clientBlock(ip), loginRate, loginBurst)
	wb := l.rl.wait("login-account:"+strings.ToLower(strings.TrimSpace(email)), loginRate, loginBurst)
	return max(wa, wb)
}
