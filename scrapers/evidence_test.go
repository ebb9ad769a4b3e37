package scrapers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"heard/models"
)

// evidenceNow is the clock of the evidence tests: before the fixtures'
// 2027 events.
var evidenceNow = time.Date(2027, 1, 20, 12, 0, 0, 0, time.UTC)

// evidenceSite serves the documents people submit, and counts requests.
func evidenceSite(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	hits := &atomic.Int32{}
	file := func(name, mediaType string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Error(err)
			}
			w.Header().Set("Content-Type", mediaType)
			w.Write(b)
		}
	}
	text := func(mediaType, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", mediaType)
			w.Write([]byte(body))
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/session.html", text("text/html; charset=utf-8", `<!doctype html><html><head>
		<title>Listening session on the ESSA state plan</title></head><body><h1>Ohio Department of Education</h1>
		<p>Join us March 3, 2027 at 6 p.m. in Dayton to share your input on Ohio's ESSA state plan.
		Parents and teachers are welcome.</p></body></html>`))
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/session.html", http.StatusFound)
	})
	mux.HandleFunc("/roads.html", text("text/html", `<html><head><title>Road closures this weekend</title></head>
		<body><p>Route 9 is closed for paving.</p></body></html>`))
	mux.HandleFunc("/untitled.html", text("text/html", `<html><body><h1>Town hall on the ESSA plan</h1>
		<p>Teachers and parents met the superintendent to give feedback on the plan.</p></body></html>`))
	mux.HandleFunc("/notice.txt", text("text/plain", "\n\nPublic comment on the ESSA state plan\nComments are due March 10, 2027.\n"))
	mux.HandleFunc("/feed.xml", file("feeds/rss.xml", "application/rss+xml"))
	mux.HandleFunc("/calendar", file("ical/comment_period.ics", "text/calendar"))
	mux.HandleFunc("/notice.pdf", file("pdf/comment_notice.pdf", "application/octet-stream")) // mislabelled
	mux.HandleFunc("/malformed.pdf", file("pdf/malformed.pdf", "application/pdf"))
	mux.HandleFunc("/logo.png", text("image/png", "\x89PNG\r\n\x1a\nnot really"))
	mux.HandleFunc("/big.html", text("text/html", "<p>"+strings.Repeat("x", 4096)+"</p>"))
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		mux.ServeHTTP(w, r) // robots.txt is not found: everything is allowed
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

// evidenceFetcher is a fetcher with the address guard on that lets the
// test server through explicitly, as serve lets the demo corpus through.
func evidenceFetcher(srv *httptest.Server) *Fetcher {
	u, _ := url.Parse(srv.URL)
	return NewFetcher(FetcherOptions{AllowHosts: []string{u.Host}, HostInterval: -1, MaxRetries: -1, MaxBytes: 2048})
}

func TestReadEvidenceDocuments(t *testing.T) {
	srv, _ := evidenceSite(t)
	f := evidenceFetcher(srv)
	tests := []struct {
		path, title string
		class       models.Classification
		typ         models.ActivityType
		mediaType   string
		pdf         bool
	}{
		{"/session.html", "Listening session on the ESSA state plan", models.ClassRelevant, models.TypeListeningSession, "text/html", false},
		{"/untitled.html", "Town hall on the ESSA plan", models.ClassRelevant, models.TypeTownHall, "text/html", false},
		{"/roads.html", "Road closures this weekend", models.ClassUnsure, models.TypeOther, "text/html", false},
		{"/notice.txt", "Public comment on the ESSA state plan", models.ClassRelevant, models.TypeCommentPeriod, "text/plain", false},
		{"/feed.xml", "ESSA State Plan: Regional Listening Session in Springfield", models.ClassRelevant, models.TypeListeningSession, "application/rss+xml", false},
		{"/calendar", "Public comment period: draft ESSA state plan amendment", models.ClassRelevant, models.TypeCommentPeriod, "text/calendar", false},
		{"/notice.pdf", "", models.ClassRelevant, models.TypeCommentPeriod, "application/octet-stream", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if tt.pdf {
				requirePDFTool(t)
				f = NewFetcher(FetcherOptions{AllowHosts: []string{strings.TrimPrefix(srv.URL, "http://")}, HostInterval: -1, MaxRetries: -1})
			}
			ev := ReadEvidence(context.Background(), f, ohio, srv.URL+tt.path, "a note", evidenceNow)
			if ev.Error != "" || ev.Classification != tt.class {
				t.Fatalf("error %q, classification %q; want %q", ev.Error, ev.Classification, tt.class)
			}
			a := ev.Activity
			if (tt.title != "" && a.Title != tt.title) || a.Type != tt.typ || a.Jurisdiction != "OH" || a.TimeZone != ohio.TimeZone {
				t.Errorf("activity %q (%s) in %s %s; want %q (%s)", a.Title, a.Type, a.Jurisdiction, a.TimeZone, tt.title, tt.typ)
			}
			if tt.class == models.ClassUnsure && a.Rules["relevance"] != relevanceUnsure {
				t.Errorf("an unsure record is not marked so: rules %v", a.Rules)
			}
			if tt.class == models.ClassRelevant && strings.Contains(a.Rules["relevance"], "unsure") {
				t.Errorf("a relevant record is marked unsure: rules %v", a.Rules)
			}
			if ev.Snapshot == nil || ev.Snapshot.MediaType != tt.mediaType || len(ev.Snapshot.Body) == 0 || ev.Snapshot.Text == "" {
				t.Fatalf("snapshot %+v", ev.Snapshot)
			}
			if tt.pdf && !strings.HasPrefix(ev.Snapshot.Extractor, "pdftotext") {
				t.Errorf("PDF text extractor %q", ev.Snapshot.Extractor)
			}
			if ev.Fetch.StatusCode != 200 || ev.Fetch.FinalURL != srv.URL+tt.path || ev.Fetch.Error != "" ||
				ev.Fetch.Attempts != 1 || ev.Fetch.Bytes != len(ev.Snapshot.Body) {
				t.Errorf("fetch %+v", ev.Fetch)
			}
		})
	}
}

func TestReadEvidenceFollowsRedirects(t *testing.T) {
	srv, _ := evidenceSite(t)
	ev := ReadEvidence(context.Background(), evidenceFetcher(srv), ohio, srv.URL+"/moved", "", evidenceNow)
	if ev.Error != "" || ev.Fetch.URL != srv.URL+"/moved" || ev.Fetch.FinalURL != srv.URL+"/session.html" ||
		ev.Activity.URL != srv.URL+"/session.html" {
		t.Errorf("error %q, fetch %s → %s, activity URL %s", ev.Error, ev.Fetch.URL, ev.Fetch.FinalURL, ev.Activity.URL)
	}
	if len(ev.Robots) != 1 || ev.Robots[0].Purpose != "robots" || ev.Robots[0].StatusCode != 404 {
		t.Errorf("robots.txt requests %+v", ev.Robots)
	}
	if ev.Activity.Start == nil || ev.Activity.Start.Format("2006-01-02 15:04") != "2027-03-03 18:00" {
		t.Errorf("start %v, want March 3, 2027, 6 p.m.", ev.Activity.Start)
	}
}

// TestReadEvidenceFailures: whatever goes wrong, the evidence says why and
// holds a record read from the submitter's words.
func TestReadEvidenceFailures(t *testing.T) {
	srv, _ := evidenceSite(t)
	note := "Town hall on the ESSA plan in Dayton\nParents asked for evening sessions."
	tests := []struct {
		path, want string
		reader     *EvidenceReader
		snapshot   bool
		status     int
		pdf        bool
	}{
		{path: "/missing", want: "404", status: 404},
		{path: "/big.html", want: "too large", status: 200},
		{path: "/logo.png", want: `type "image/png" cannot be read`, status: 200, snapshot: true},
		{path: "/malformed.pdf", want: "read application/pdf", status: 200, snapshot: true, pdf: true},
		{path: "/slow", want: "deadline exceeded", reader: &EvidenceReader{Timeout: 300 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if tt.pdf {
				requirePDFTool(t)
			}
			var ev models.Evidence
			if tt.reader != nil {
				tt.reader.Fetcher, tt.reader.Now = evidenceFetcher(srv), func() time.Time { return evidenceNow }
				ev = tt.reader.ReadEvidence(context.Background(), ohio, srv.URL+tt.path, note)
			} else {
				ev = ReadEvidence(context.Background(), evidenceFetcher(srv), ohio, srv.URL+tt.path, note, evidenceNow)
			}
			if !strings.Contains(ev.Error, tt.want) || ev.Classification != models.ClassUnread {
				t.Fatalf("error %q, classification %q; want %q, unread", ev.Error, ev.Classification, tt.want)
			}
			if (ev.Snapshot != nil) != tt.snapshot {
				t.Errorf("snapshot kept: %v, want %v", ev.Snapshot != nil, tt.snapshot)
			}
			if ev.Fetch.StatusCode != tt.status || ev.Fetch.URL != srv.URL+tt.path {
				t.Errorf("fetch %+v", ev.Fetch)
			}
			a := ev.Activity
			if a.Title != "Town hall on the ESSA plan in Dayton" || a.Description != strings.ReplaceAll(note, "\n", " ") ||
				a.Type != models.TypeTownHall || a.Jurisdiction != "OH" || !strings.Contains(a.Rules["relevance"], "unread") {
				t.Errorf("activity from the note: %q %q %s %v", a.Title, a.Description, a.Type, a.Rules)
			}
		})
	}
}

// TestReadEvidenceGuard: with the address guard on and no exception, a
// private address is refused before any request, and the refusal is the
// evidence's error; a report with no words is titled by its URL.
func TestReadEvidenceGuard(t *testing.T) {
	srv, hits := evidenceSite(t)
	f := NewFetcher(FetcherOptions{HostInterval: -1, MaxRetries: -1})
	ev := ReadEvidence(context.Background(), f, ohio, srv.URL+"/session.html", "", evidenceNow)
	if !strings.Contains(ev.Error, "forbidden network address") || ev.Classification != models.ClassUnread ||
		ev.Snapshot != nil {
		t.Errorf("error %q, classification %q, snapshot %v", ev.Error, ev.Classification, ev.Snapshot != nil)
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests reached the private address", hits.Load())
	}
	if ev.Fetch.Error == "" || ev.Fetch.Attempts != 0 {
		t.Errorf("fetch %+v, want the refusal with no attempt", ev.Fetch)
	}
	if ev.Activity.Title != srv.URL+"/session.html" {
		t.Errorf("title %q, want the URL", ev.Activity.Title)
	}
}
