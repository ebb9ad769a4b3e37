package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"heard/models"
)

// apiError is the error body of DESIGN.md: {"error": {"code", "message", "fields"}}.
type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// listMeta is the paging block of a list response.
type listMeta struct {
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Total   int `json:"total"`
}

const requestIDKey = "request_id"

// requestID gives every request an id, echoed in X-Request-Id and logged
// with any error, so a user's report can be matched to the log.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-Id", id)
		c.Next()
	}
}

// accessLog logs each request once, at a level matching its status.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelDebug
		if status >= 500 {
			level = slog.LevelError
		} else if status >= 400 {
			level = slog.LevelInfo
		}
		ctx := c.Request.Context()
		if !log.Enabled(ctx, level) {
			return // the common case, a success at the default level: no attributes built
		}
		log.Log(ctx, level, "request", "method", c.Request.Method, "path", c.Request.URL.Path,
			"route", c.FullPath(), "status", status, "bytes", max(c.Writer.Size(), 0),
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "client_ip", c.ClientIP(),
			"request_id", c.GetString(requestIDKey))
	}
}

func respondData(c *gin.Context, data any) {
	c.JSON(http.StatusOK, gin.H{"data": data})
}

func respondList(c *gin.Context, data any, meta listMeta) {
	c.JSON(http.StatusOK, gin.H{"data": data, "meta": meta})
}

func respondError(c *gin.Context, status int, code, message string, fields map[string]string) {
	c.Header("Cache-Control", "no-store") // an error is never worth keeping
	c.AbortWithStatusJSON(status, gin.H{"error": apiError{Code: code, Message: message, Fields: fields}})
}

// respondErr maps an error to its status: not found 404, conflict 409,
// validation 400, the database unreachable 503, anything else 500 with the
// details kept to the log.
func (h *Handler) respondErr(c *gin.Context, err error) {
	var verr *models.ValidationError
	switch {
	case models.IsUnavailable(err):
		h.unavailable(c, err)
		respondError(c, http.StatusServiceUnavailable, "unavailable", unavailableMessage, nil)
	case errors.Is(err, models.ErrNotFound):
		respondError(c, http.StatusNotFound, "not_found", "The requested resource does not exist.", nil)
	case errors.Is(err, models.ErrConflict):
		respondError(c, http.StatusConflict, "conflict", "The request conflicts with stored data.", nil)
	case errors.As(err, &verr):
		respondError(c, http.StatusBadRequest, "invalid", "Some parameters are invalid.", verr.Fields)
	default:
		h.log.Error("request failed", "path", c.Request.URL.Path, "request_id", c.GetString(requestIDKey), "err", err)
		respondError(c, http.StatusInternalServerError, "internal", "Something went wrong on our side; the error has been logged.", nil)
	}
}

// unavailableRetry is the Retry-After of a 503 for an unreachable
// database: a restart takes seconds, and the clients' retries should not
// pile onto it the moment it is back.
const unavailableRetry = "5"

// unavailableMessage is the message of the API's 503 for an unreachable
// database.
const unavailableMessage = "The database is briefly unavailable; please try again in a few seconds."

// unavailable logs a request the database could not serve and sets its
// Retry-After; the caller writes the 503 in its own format. It is a warning,
// not an error: nothing is wrong with the request or with Heard, and an
// outage would otherwise log one error per request.
func (h *Handler) unavailable(c *gin.Context, err error) {
	h.log.Warn("database unavailable", "path", c.Request.URL.Path, "request_id", c.GetString(requestIDKey), "err", err)
	c.Header("Retry-After", unavailableRetry)
}

func isAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, "/api/") }

func isNotFound(err error) bool { return errors.Is(err, models.ErrNotFound) }
