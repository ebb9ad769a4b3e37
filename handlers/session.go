package handlers

import (
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"

	"heard/models"
)

// SessionCookie is the name of the staff session cookie.
const SessionCookie = "heard_session"

// Keys of the session data.
const (
	sessUserID  = "user_id"
	sessVersion = "session_version"
	userKey     = "user" // gin context key of the logged-in models.User
)

// NewSessionManager returns server-side sessions stored in PostgreSQL's
// sessions table (migration 00008), swept of expired rows every cleanup (0:
// never, for tests); a nil db keeps them in memory. Sessions last twelve
// hours; logging out everywhere bumps the user's session_version instead of
// finding their rows.
func NewSessionManager(db *sql.DB, cleanup time.Duration) *scs.SessionManager {
	sm := scs.New()
	if db != nil {
		sm.Store = postgresstore.NewWithCleanupInterval(db, cleanup)
	}
	sm.Lifetime = 12 * time.Hour
	sm.Cookie.Name = SessionCookie
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	return sm
}

// loadSession loads the session named by the request's cookie into the
// request context. A cookie naming no live session is as good as none.
func (h *Handler) loadSession() gin.HandlerFunc {
	return func(c *gin.Context) {
		token := ""
		if ck, err := c.Request.Cookie(h.sessions.Cookie.Name); err == nil {
			token = ck.Value
		}
		ctx, err := h.sessions.Load(c.Request.Context(), token)
		if models.IsUnavailable(err) {
			// Going on without the session would send a signed-in editor
			// to the login page, as if the session had ended.
			h.unavailable(c, err)
			if isAPI(c) {
				respondError(c, http.StatusServiceUnavailable, "unavailable", unavailableMessage, nil)
			} else {
				h.renderError(c, http.StatusServiceUnavailable, "error.unavailable.title", "error.unavailable.message")
			}
			return
		}
		if err != nil {
			h.log.Error("load session", "request_id", c.GetString(requestIDKey), "err", err)
			ctx, _ = h.sessions.Load(c.Request.Context(), "")
		}
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// currentUser is the logged-in user of the request: its session names an
// enabled user and carries that user's current session version.
func (h *Handler) currentUser(c *gin.Context) (models.User, bool, error) {
	if v, ok := c.Get(userKey); ok {
		return v.(models.User), true, nil
	}
	ctx := c.Request.Context()
	id := h.sessions.GetInt64(ctx, sessUserID)
	if id == 0 {
		return models.User{}, false, nil
	}
	u, err := h.store.UserByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return models.User{}, false, nil
	} else if err != nil {
		return models.User{}, false, err
	}
	if u.DisabledAt != nil || u.SessionVersion != h.sessions.GetInt(ctx, sessVersion) {
		return models.User{}, false, nil
	}
	c.Set(userKey, u)
	return u, true, nil
}

// requireRole lets through only a logged-in user holding one of roles (any
// role when none is given): anonymous requests get 401, others 403. Staff
// answers are private and never cached.
func (h *Handler) requireRole(roles ...models.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "private, no-store")
		u, ok, err := h.currentUser(c)
		switch {
		case err != nil:
			h.respondErr(c, err)
		case !ok:
			respondError(c, http.StatusUnauthorized, "unauthenticated", "Log in to use this.", nil)
		case len(roles) > 0 && !slices.Contains(roles, u.Role):
			respondError(c, http.StatusForbidden, "forbidden", "Your role does not allow this.", nil)
		default:
			c.Next()
		}
	}
}

// sessionUser is the answer of GET and POST /api/v1/session.
type sessionUser struct {
	Email string      `json:"email"`
	Role  models.Role `json:"role"`
}

type loginRequest struct {
	Email    string `json:"email" binding:"required"`
	Password string `json:"password" binding:"required"`
}

// dummyHash is verified against when the email is unknown, so that a
// wrong email costs as long as a wrong password and timing says nothing.
var dummyHash, _ = models.HashPassword("not a password anyone has")

// login checks email and password and starts a new session under a new
// token (so a token planted before login is worthless). Failures all say
// the same thing, whichever part was wrong.
func (h *Handler) login(c *gin.Context) {
	c.Header("Cache-Control", "private, no-store")
	var req loginRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		respondError(c, http.StatusBadRequest, "invalid", "Send JSON {\"email\", \"password\"}.", nil)
		return
	}
	if d := h.logins.allow(req.Email, c.ClientIP()); d > 0 {
		c.Header("Retry-After", strconv.Itoa(max(1, int(d.Seconds()+0.999))))
		respondError(c, http.StatusTooManyRequests, "rate_limited", "Too many login attempts; try again later.", nil)
		return
	}
	ctx := c.Request.Context()
	u, err := h.store.UserByEmail(ctx, req.Email)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		h.respondErr(c, err)
		return
	}
	hash := u.PasswordHash
	if err != nil || u.DisabledAt != nil {
		hash = dummyHash
	}
	ok, verr := models.VerifyPassword(req.Password, hash)
	if verr != nil {
		h.log.Error("stored password hash", "user", u.ID, "err", verr)
	}
	if !ok || hash == dummyHash {
		respondError(c, http.StatusUnauthorized, "bad_credentials", "The email or password is wrong.", nil)
		return
	}
	if err := h.sessions.RenewToken(ctx); err != nil {
		h.respondErr(c, err)
		return
	}
	h.sessions.Put(ctx, sessUserID, u.ID)
	h.sessions.Put(ctx, sessVersion, u.SessionVersion)
	if !h.commitSession(c) {
		return
	}
	respondData(c, sessionUser{Email: u.Email, Role: u.Role})
}

// commitSession saves the session and sets its cookie, Secure when the
// request came over HTTPS.
func (h *Handler) commitSession(c *gin.Context) bool {
	token, expiry, err := h.sessions.Commit(c.Request.Context())
	if err != nil {
		h.respondErr(c, err)
		return false
	}
	h.setCookie(c, token, expiry)
	return true
}

// setCookie writes the session cookie; an empty token deletes it.
func (h *Handler) setCookie(c *gin.Context, token string, expiry time.Time) {
	ck := &http.Cookie{Name: h.sessions.Cookie.Name, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: h.overHTTPS(c)}
	if token == "" {
		ck.MaxAge = -1
		ck.Expires = time.Unix(1, 0)
	} else {
		ck.Expires = expiry.UTC()
		ck.MaxAge = int(time.Until(expiry).Seconds()) + 1
	}
	http.SetCookie(c.Writer, ck)
}

// overHTTPS reports whether the client reached Heard over HTTPS: directly,
// or through a reverse proxy that terminated TLS and says so in
// X-Forwarded-Proto. The header counts only once the operator has declared
// a proxy; a client forging it can only make its own cookie Secure.
func (h *Handler) overHTTPS(c *gin.Context) bool {
	return c.Request.TLS != nil || (len(h.opts.TrustedProxies) > 0 && c.GetHeader("X-Forwarded-Proto") == "https")
}

// whoami answers who is logged in, or 401.
func (h *Handler) whoami(c *gin.Context) {
	c.Header("Cache-Control", "private, no-store")
	u, ok, err := h.currentUser(c)
	switch {
	case err != nil:
		h.respondErr(c, err)
	case !ok:
		respondError(c, http.StatusUnauthorized, "unauthenticated", "Nobody is logged in.", nil)
	default:
		respondData(c, sessionUser{Email: u.Email, Role: u.Role})
	}
}

// logout ends this session; with ?everywhere=true it ends every session of
// the user by bumping their session version. It answers 204 either way,
// even when nobody was logged in.
func (h *Handler) logout(c *gin.Context) {
	c.Header("Cache-Control", "private, no-store")
	ctx := c.Request.Context()
	if c.Query("everywhere") == "true" {
		u, ok, err := h.currentUser(c)
		if err != nil {
			h.respondErr(c, err)
			return
		}
		if ok {
			if _, err := h.store.BumpSessionVersion(ctx, u.ID); err != nil {
				h.respondErr(c, err)
				return
			}
		}
	}
	if err := h.sessions.Destroy(ctx); err != nil {
		h.respondErr(c, err)
		return
	}
	h.setCookie(c, "", time.Time{})
	c.Status(http.StatusNoContent)
}

// staffMe is the staff workspace's view of the logged-in user.
func (h *Handler) staffMe(c *gin.Context) {
	u, _, _ := h.currentUser(c) // requireRole has loaded it
	respondData(c, u)
}
