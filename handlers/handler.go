package handlers

import (
	"context"
	"database/sql"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"heard/frontend"
	"heard/models"
)

// ReadyChecker reports whether the service can serve: the database answers
// and its schema is current. cmd supplies it, since migrations live there.
type ReadyChecker func(ctx context.Context) error

// Options configure a Handler.
type Options struct {
	// Demo marks every page with the demonstration banner even before any
	// demo data is stored.
	Demo bool
	// Ready backs /readyz; nil means only the database ping.
	Ready ReadyChecker
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RateLimit is each API client's sustained allowance in requests per
	// second; 0 means DefaultRateLimit and a negative value turns the
	// limit off.
	RateLimit rate.Limit
	// RateBurst is how many API requests a client may make at once; 0
	// means DefaultRateBurst and a negative value turns the limit off.
	RateBurst int
	// TrustedProxies are the addresses or CIDRs whose X-Forwarded-For and
	// X-Real-IP name the client (a local reverse proxy). None by default:
	// the client is the peer address, and the headers are ignored.
	TrustedProxies []string
	// Metrics, when set, are served at /metrics and count every request.
	Metrics *Metrics
	// Cache, when set, keeps public answers in memory until the data
	// changes (cache.go); nil serves every request afresh.
	Cache *ResponseCache
	// Sessions holds staff sessions; nil means NewSessionManager over the
	// store's database (in memory without a store) with no sweeping of
	// expired rows.
	Sessions *scs.SessionManager
	// RunSource runs a source when staff ask ("run now"). cmd supplies it,
	// since handlers do not own the scraper runner; nil answers 503.
	RunSource SourceRunner
	// CheckSettings checks a source's settings before staff change them
	// (scrapers.CheckSettings, supplied by cmd); nil refuses settings
	// edits with 503.
	CheckSettings SettingsChecker
	// Evidence fetches submitted URLs (submission.go); nil turns evidence
	// and public submissions off (503).
	Evidence EvidenceReader
	// SubmissionRate and SubmissionBurst are each client's allowance of
	// public submissions; 0 means DefaultSubmissionRate and
	// DefaultSubmissionBurst, and a negative value turns the limit off.
	SubmissionRate  rate.Limit
	SubmissionBurst int
}

// Handler holds the dependencies of every route.
type Handler struct {
	store *models.Store
	log   *slog.Logger
	opts  Options
	pages map[string]pageSet // by language

	sessions *scs.SessionManager
	logins   *loginLimiter
	// staffPages are the /staff/ pages and the agency's reply page.
	staffPages pageSet
	submits    *rateLimiter // public submissions, by client address
}

// New returns a Handler, parsing the embedded page templates once.
func New(store *models.Store, log *slog.Logger, opts Options) (*Handler, error) {
	if log == nil {
		log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := checkTrustedProxies(opts.TrustedProxies); err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	staffPages, err := parseStaffPages()
	if err != nil {
		return nil, err
	}
	sessions := opts.Sessions
	if sessions == nil {
		var db *sql.DB
		if store != nil {
			db = store.DB().DB
		}
		sessions = NewSessionManager(db, 0)
	}
	return &Handler{store: store, log: log, opts: opts, pages: pages, staffPages: staffPages, sessions: sessions,
		logins: newLoginLimiter(), submits: newRateLimiter(nil)}, nil
}

// NewEngine returns a gin engine with recovery, request ids, access logging,
// the API's per-client rate limit, ETags and Cache-Control, and every route
// of h registered.
func NewEngine(h *Handler) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(h.opts.TrustedProxies); err != nil {
		h.log.Error("trusted proxies", "err", err) // New has checked them
	}
	r.Use(gin.CustomRecovery(func(c *gin.Context, rec any) {
		h.log.Error("panic", "path", c.Request.URL.Path, "request_id", c.GetString(requestIDKey), "panic", rec)
		respondError(c, http.StatusInternalServerError, "internal", "Something went wrong on our side; the error has been logged.", nil)
	}))
	if h.opts.Metrics != nil {
		r.Use(h.opts.Metrics.middleware())
	}
	r.Use(requestID(), accessLog(h.log), securityHeaders(), crossOriginProtection(), h.apiToken())
	// Throttled requests are turned away before any work or buffering.
	if limit, burst, on := h.opts.rateLimits(); on {
		r.Use(newRateLimiter(perTokenOrIP(limit, burst)).middleware())
	}
	r.Use(conditionalGET(h.opts.Cache), h.loadSession())
	h.Register(r)
	return r
}

// Register is Heard's route table.
func (h *Handler) Register(r *gin.Engine) {
	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)
	if h.opts.Metrics != nil {
		r.GET("/metrics", h.opts.Metrics.handler())
	}

	api := r.Group("/api/v1")
	api.GET("/jurisdictions", h.listJurisdictions)
	api.GET("/jurisdictions/:code", h.getJurisdiction)
	api.GET("/jurisdictions/:code/scorecard", h.getScorecard)
	api.GET("/jurisdictions/:code/activities", h.listActivities)
	api.GET("/jurisdictions/:code/history", h.getHistory)
	api.GET("/jurisdictions/:code/overrides", h.getOverrides)
	api.GET("/activities", h.listActivities)
	api.GET("/activities/:id", h.getActivity)
	api.GET("/activities/:id/history", h.getActivityHistory)
	api.GET("/sources", h.listSources)
	api.GET("/rubric", h.getRubric)
	api.GET("/snapshots/:sha256", h.getSnapshot)
	api.GET("/openapi.yaml", h.getOpenAPI)

	// Staff sessions (session.go); every other staff route is guarded by
	// requireRole, which TestRoutesAreGuarded checks.
	api.POST("/session", h.login)
	api.GET("/session", h.whoami)
	api.DELETE("/session", h.logout)
	api.GET("/staff/me", h.requireRole(), h.staffMe)
	api.PUT("/jurisdictions/:code/criteria/:key/override", h.requireRole(models.RoleAdmin, models.RoleEditor), h.putOverride)
	api.GET("/audit", h.requireRole(models.RoleAdmin), h.getAudit)
	api.GET("/staff/review", h.requireRole(), h.getReviewQueue)
	api.POST("/staff/activities/:id/review", h.requireRole(models.RoleAdmin, models.RoleEditor), h.postReview)
	api.GET("/staff/sources", h.requireRole(), h.listStaffSources) // staff_sources.go
	api.GET("/staff/sources/:id", h.requireRole(), h.getStaffSource)
	api.GET("/staff/sources/:id/fetches", h.requireRole(), h.listStaffSourceFetches)
	api.PATCH("/staff/sources/:id", h.requireRole(models.RoleAdmin, models.RoleEditor), h.patchStaffSource)
	api.POST("/staff/sources/:id/run", h.requireRole(models.RoleAdmin, models.RoleEditor), h.runStaffSource)
	// The staff workflow (workflow.go): corrections, soft deletion, and
	// scorecards from draft through the agency's reply to publication.
	api.GET("/staff/activities/:id", h.requireRole(), h.getStaffActivity)
	api.POST("/staff/activities/:id/correction", h.requireRole(models.RoleAdmin, models.RoleEditor), h.postCorrection)
	api.DELETE("/staff/activities/:id", h.requireRole(models.RoleAdmin, models.RoleEditor), h.deleteActivity)
	api.POST("/staff/activities/:id/restore", h.requireRole(models.RoleAdmin), h.restoreActivity)
	api.GET("/staff/jurisdictions/:code/scorecard", h.requireRole(), h.getStaffScorecard)
	api.POST("/staff/jurisdictions/:code/review", h.requireRole(models.RoleAdmin, models.RoleEditor), h.postOpenReview)
	api.POST("/staff/jurisdictions/:code/review/reply-request", h.requireRole(models.RoleAdmin, models.RoleEditor), h.postReplyRequest)
	api.POST("/staff/jurisdictions/:code/review/publish", h.requireRole(models.RoleAdmin, models.RoleEditor), h.postPublish)
	api.POST("/staff/jurisdictions/:code/review/withdraw", h.requireRole(models.RoleAdmin, models.RoleEditor), h.postWithdraw)
	// An agency's reply: the single-use link is the credential.
	api.POST("/replies/:token", h.postReply)
	r.GET("/reply/:token", h.replyPage)
	r.POST("/reply/:token", h.replyForm)
	h.registerStaffPages(r) // staff_pages.go
	// Annotations on evidence (annotations.go): editors write, admins
	// restore what was deleted, the public reads the public ones.
	api.GET("/activities/:id/annotations", h.getActivityAnnotations)
	api.GET("/staff/annotations", h.requireRole(), h.getStaffAnnotations)
	api.POST("/staff/annotations", h.requireRole(models.RoleAdmin, models.RoleEditor), h.postAnnotation)
	api.PATCH("/staff/annotations/:id", h.requireRole(models.RoleAdmin, models.RoleEditor), h.patchAnnotation)
	api.DELETE("/staff/annotations/:id", h.requireRole(models.RoleAdmin, models.RoleEditor), h.deleteAnnotation)
	api.POST("/staff/annotations/:id/restore", h.requireRole(models.RoleAdmin), h.restoreAnnotation)
	api.POST("/staff/evidence", h.requireRole(models.RoleAdmin, models.RoleEditor), h.postEvidence)

	// Reports from anyone (submission.go): a deliberate public write,
	// throttled per client and queued for review as untrusted.
	api.POST("/submissions", h.postSubmission)

	static, _ := fs.Sub(frontend.FS, "static")
	r.StaticFS("/static", http.FS(static))
	r.GET("/states/:code/upcoming.ics", h.upcomingICS) // feeds.go
	r.GET("/states/:code/feed.atom", h.feedAtom)
	r.GET("/states/:code/badge.svg", h.badgeSVG) // badge.go
	h.registerExports(r)                         // /api/v1/export/{scorecards,activities}.{csv,ndjson}

	// The pages, in English at their plain paths and in Spanish under
	// /es (i18n.go); the same handlers read the language from the
	// context.
	h.registerPages(r, "/")
	es := r.Group("/es", setLang("es"))
	h.registerPages(es, "")

	r.NoRoute(h.headAsGet(r), h.notFound)
	r.NoMethod(h.notFound)
}

// registerPages adds the HTML pages to r; root is the path of the
// national page within r ("/" at the top, "" in a language group, so
// that Spanish is /es rather than /es/).
func (h *Handler) registerPages(r gin.IRoutes, root string) {
	r.GET(root, h.nationalPage)
	r.GET("/states/:code", h.statePage)
	r.GET("/states/:code/widget", h.widget)
	r.GET("/methodology", h.methodologyPage)
	r.GET("/search", h.search)
	r.GET("/about", h.aboutPage)
	r.GET("/data", h.dataPage) // the data dictionary, export.go
	r.GET("/submit", h.submitPage)
	r.POST("/submit", h.postSubmitPage) // the report form without JavaScript
}

// headAsGet answers HEAD on every GET route, as HTTP expects: the request is
// routed again as a GET, and net/http, which still sees the original HEAD,
// sends the headers without the body.
func (h *Handler) headAsGet(r *gin.Engine) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method != http.MethodHead || c.GetBool("head_as_get") {
			return
		}
		get := c.Request.Clone(c.Request.Context())
		get.Method = http.MethodGet
		c.Set("head_as_get", true)
		c.Request = get
		r.HandleContext(c)
		c.Abort()
	}
}

func (h *Handler) notFound(c *gin.Context) {
	if isAPI(c) {
		respondError(c, http.StatusNotFound, "not_found", "No such endpoint: "+c.Request.Method+" "+c.Request.URL.Path, nil)
		return
	}
	h.renderError(c, http.StatusNotFound, "error.not_found.title", "error.not_found.message")
}

func (h *Handler) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (h *Handler) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	check := h.opts.Ready
	if check == nil {
		check = h.store.Ping
	}
	if err := check(ctx); err != nil {
		h.log.Warn("not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
