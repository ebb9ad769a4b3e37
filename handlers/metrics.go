package handlers

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"heard/models"
)

// Metrics are what /metrics exposes in the Prometheus text format: HTTP
// requests by route, scrape runs by source kind, score runs by trigger, the
// response cache, and the Go runtime and process. One Metrics serves one
// process; cmd/heard hands its scrape and score observers to the pipeline.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	scrapeRuns *prometheus.CounterVec
	scrapeTime *prometheus.HistogramVec
	scoreRuns  *prometheus.CounterVec
}

// NewMetrics registers Heard's metrics; cache, when set, is reported too.
func NewMetrics(cache *ResponseCache) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "heard_http_requests_total",
		Help: "HTTP requests answered, by route (as registered), method and status code.",
	}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "heard_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by route and method.",
		Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10},
	}, []string{"route", "method"})
	m.scrapeRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "heard_scrape_runs_total",
		Help: "Scrape runs finished, by source kind and status (ok or failed).",
	}, []string{"kind", "status"})
	m.scrapeTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "heard_scrape_run_duration_seconds",
		Help:    "Time a scrape run took, by source kind.",
		Buckets: prometheus.ExponentialBuckets(0.05, 2, 12),
	}, []string{"kind"})
	m.scoreRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "heard_score_runs_total",
		Help: "Score runs stored by this process, by trigger and outcome (ok or failed).",
	}, []string{"trigger", "outcome"})
	m.reg.MustRegister(m.requests, m.latency, m.scrapeRuns, m.scrapeTime, m.scoreRuns,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cache != nil {
		stat := func(f func(CacheStats) float64) func() float64 {
			return func() float64 { return f(cache.Stats()) }
		}
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "heard_cache_hits_total",
				Help: "Public answers served from the in-process cache."}, stat(func(s CacheStats) float64 { return float64(s.Hits) })),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "heard_cache_misses_total",
				Help: "Cacheable requests the cache could not answer."}, stat(func(s CacheStats) float64 { return float64(s.Misses) })),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "heard_cache_invalidations_total",
				Help: "Times the cache was dropped because the data changed."}, stat(func(s CacheStats) float64 { return float64(s.Invalidations) })),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "heard_cache_entries",
				Help: "Answers held in the cache now."}, stat(func(s CacheStats) float64 { return float64(s.Entries) })),
		)
	}
	return m
}

// ObserveScrape records a finished scrape run; it is scrapers.Runner.Observe.
func (m *Metrics) ObserveScrape(kind models.SourceKind, run models.ScrapeRun, took time.Duration) {
	if m == nil {
		return
	}
	status := run.Status
	if status == "" || status == "running" {
		status = "failed" // never recorded as finished
	}
	m.scrapeRuns.WithLabelValues(string(kind), status).Inc()
	m.scrapeTime.WithLabelValues(string(kind)).Observe(took.Seconds())
}

// ObserveScore records a score run stored, or one that failed.
func (m *Metrics) ObserveScore(trigger string, err error) {
	if m == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	m.scoreRuns.WithLabelValues(trigger, outcome).Inc()
}

// middleware counts and times every request by its route pattern (never
// the raw path, whose cardinality a client controls).
func (m *Metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		method := c.Request.Method
		m.requests.WithLabelValues(route, method, strconv.Itoa(c.Writer.Status())).Inc()
		m.latency.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	}
}

// handler serves /metrics.
func (m *Metrics) handler() gin.HandlerFunc {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		h.ServeHTTP(c.Writer, c.Request)
	}
}
