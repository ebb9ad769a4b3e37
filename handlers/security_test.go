package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"heard/models"
)

func TestCrossOriginPost(t *testing.T) {
	f := newStaffFixture(t, false)
	login := `{"email":"editor@example.org","password":"` + testPassword + `"}`
	resp, body := f.do(t, "POST", "/api/v1/session", login, nil,
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden || sessionCookie(resp) != nil {
		t.Errorf("cross-site POST: %d %s, want 403 and no cookie", resp.StatusCode, body)
	}
	// Without Sec-Fetch-Site (older browsers), Origin against Host decides.
	if resp, _ := f.do(t, "DELETE", "/api/v1/session", "", nil, "Origin", "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin DELETE by Origin: %d, want 403", resp.StatusCode)
	}
	if resp, _ := f.do(t, "POST", "/api/v1/session", login, nil, "Origin", f.srv.URL, "Sec-Fetch-Site", "same-origin"); resp.StatusCode != http.StatusOK {
		t.Errorf("same-origin POST: %d, want 200", resp.StatusCode)
	}
	// Reading is never refused.
	if resp, _ := f.do(t, "GET", "/api/v1/session", "", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("cross-site GET: %d, want 401 (not 403)", resp.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/", "/states/OH", "/es", "/api/v1/jurisdictions", "/api/v1/session", "/no/such/page", "/static/style.css"} {
		resp, _ := f.get(t, path)
		h := resp.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "strict-origin-when-cross-origin" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
	// The widget stays framable; snapshots keep their sandbox.
	resp, _ := f.get(t, "/states/OH/widget")
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") || resp.Header.Get("X-Frame-Options") != "" {
		t.Errorf("widget: CSP %q, X-Frame-Options %q", csp, resp.Header.Get("X-Frame-Options"))
	}
	resp, _ = f.get(t, "/api/v1/snapshots/"+f.snapshot)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
		t.Errorf("snapshot CSP %q", csp)
	}
}

// TestNoInlineStyleOrScript keeps the pages within the CSP: no style
// attributes, inline <style> or <script>, and the national map placed by
// classes the stylesheet defines.
func TestNoInlineStyleOrScript(t *testing.T) {
	f := newFixture(t)
	inline := regexp.MustCompile(`(?i)\sstyle=["']|<style|<script|\son[a-z]+=["']`)
	for _, path := range []string{"/", "/es", "/states/OH", "/states/OH/widget", "/methodology", "/about", "/data", "/search?q=plan", "/submit", "/no/such/page"} {
		_, body := f.get(t, path)
		if m := inline.FindString(string(body)); m != "" {
			t.Errorf("%s has inline %q, which the CSP blocks", path, m)
		}
	}
	_, body := f.get(t, "/")
	_, css := f.get(t, "/static/style.css")
	tile := regexp.MustCompile(`<li class="(r\d+) (c\d+)"><a class="tile`).FindAllStringSubmatch(string(body), -1)
	if len(tile) == 0 {
		t.Fatal("the national map has no tiles placed by class")
	}
	for _, m := range tile {
		for _, cls := range m[1:] {
			if !strings.Contains(string(css), ".tilemap ."+cls+" {") {
				t.Errorf("style.css lacks .tilemap .%s", cls)
			}
		}
	}
	if m := regexp.MustCompile(`class="tilemap (rows\d+) (cols\d+)"`).FindStringSubmatch(string(body)); m == nil ||
		!strings.Contains(string(css), ".tilemap."+m[1]+" {") || !strings.Contains(string(css), ".tilemap."+m[2]+" {") {
		t.Errorf("map size classes %v missing from the page or style.css", m)
	}
}

// viewerRoutes are the guarded routes a viewer may use; every other guarded
// route must refuse a viewer with 403.
var viewerRoutes = map[string]bool{
	"GET /api/v1/staff/me":                            true,
	"GET /api/v1/staff/review":                        true, // viewers read the staff workspace
	"GET /api/v1/staff/activities/:id":                true,
	"GET /api/v1/staff/jurisdictions/:code/scorecard": true,
	"GET /staff/":                                     true,
	"GET /staff/review":                               true,
	"GET /staff/activities/:id":                       true,
	"GET /staff/states/:code":                         true,
	"GET /staff/sources":                              true,
	"GET /staff/sources/:id":                          true,
	"GET /api/v1/staff/sources":                       true,
	"GET /api/v1/staff/sources/:id":                   true,
	"GET /api/v1/staff/sources/:id/fetches":           true,
	// Viewers read every annotation, staff-only and deleted ones too.
	"GET /api/v1/staff/annotations": true,
}

// openWrites are the unsafe-method routes and staff pages anyone may call.
var openWrites = map[string]bool{
	"POST /api/v1/session":   true,
	"DELETE /api/v1/session": true,
	// A state agency's reply: its single-use link is the credential
	// (TestPublicationWorkflowAPI).
	"POST /api/v1/replies/:token": true,
	"POST /reply/:token":          true,
	// The login page itself.
	"GET /staff/login": true,
	// Public reports of missed activities (submission.go): anyone may
	// send one, throttled per client and held for review as untrusted.
	"POST /api/v1/submissions": true,
	"POST /submit":             true,
	"POST /es/submit":          true,
}

// TestRoutesAreGuarded walks the route table: every staff route and every
// write refuses anonymous requests with 401 and, unless listed in
// viewerRoutes, viewers with 403. A new route without requireRole fails.
func TestRoutesAreGuarded(t *testing.T) {
	f := newStaffFixture(t, false)
	viewer := f.login(t, "viewer@example.org", nil)
	r := gin.New()
	f.h.Register(r)
	param := regexp.MustCompile(`[:*][A-Za-z0-9_]+`)
	checked := 0
	for _, rt := range r.Routes() {
		key := rt.Method + " " + rt.Path
		staff := strings.HasPrefix(rt.Path, "/api/v1/staff/") || strings.HasPrefix(rt.Path, "/staff/") ||
			strings.HasPrefix(rt.Path, "/es/staff/")
		write := rt.Method == http.MethodPost || rt.Method == http.MethodPut || rt.Method == http.MethodDelete || rt.Method == http.MethodPatch
		if !(staff || write) || openWrites[key] {
			continue
		}
		checked++
		path := param.ReplaceAllString(rt.Path, "1")
		// The API answers a JSON error, the staff pages the login form.
		want := `"error"`
		if strings.HasPrefix(rt.Path, "/staff/") {
			want = `data-api="/api/v1/session"`
		}
		if resp, body := f.do(t, rt.Method, path, "{}", nil); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, want) {
			t.Errorf("%s anonymous: %d %s, want a 401 with %s", key, resp.StatusCode, body, want)
		}
		resp, body := f.do(t, rt.Method, path, "{}", viewer)
		if viewerRoutes[key] {
			if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
				t.Errorf("%s viewer: %d, want allowed", key, resp.StatusCode)
			}
		} else if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s viewer: %d %s, want 403", key, resp.StatusCode, body)
		}
	}
	if checked == 0 {
		t.Fatal("no guarded routes found")
	}
}

// TestRequireRole checks the guard itself on a route only admins may use.
func TestRequireRole(t *testing.T) {
	f := newStaffFixture(t, false)
	r := gin.New()
	r.Use(f.h.loadSession())
	r.GET("/admin-only", f.h.requireRole(models.RoleAdmin), func(c *gin.Context) { c.Status(http.StatusOK) })
	for _, tc := range []struct {
		email string
		want  int
	}{{"", http.StatusUnauthorized}, {"viewer@example.org", http.StatusForbidden}, {"editor@example.org", http.StatusForbidden}, {"admin@example.org", http.StatusOK}} {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", "/admin-only", nil)
		if tc.email != "" {
			req.AddCookie(f.login(t, tc.email, nil))
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != tc.want {
			t.Errorf("%q: %d, want %d", tc.email, w.Code, tc.want)
		}
	}
}
