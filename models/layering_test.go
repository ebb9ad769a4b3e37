package models_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// listedPackage is the part of `go list -json` output the layering rules read.
type listedPackage struct {
	ImportPath string
	Deps       []string
	Module     *struct{ Path string }
	Error      *struct{ Err string }
}

// goTool finds the go command: on PATH (go test puts GOROOT/bin first), or
// in the GOROOT the test was built with.
func goTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	//lint:ignore SA1019 only a fallback for when go is not on PATH
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(p); err != nil {
		t.Fatalf("the go command is neither on PATH nor at %s: %v", p, err)
	}
	return p
}

// within reports whether pkg is path or one of its subpackages.
func within(pkg, path string) bool { return pkg == path || strings.HasPrefix(pkg, path+"/") }

// isTestHelper reports whether pkg is a test-only helper package such as
// heard/models/modeltest, which may reach further than the code it serves.
func isTestHelper(pkg string) bool { return strings.HasSuffix(path.Base(pkg), "test") }

// TestLayering enforces the import directions of DESIGN.md over every
// package of the module, transitively.
func TestLayering(t *testing.T) {
	cmd := exec.Command(goTool(t), "list", "-e", "-deps", "-json", "heard/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	rules := []struct {
		name      string
		applies   func(pkg string) bool
		forbidden []string
	}{
		{"models knows nothing of HTTP, collection or wiring",
			func(p string) bool { return within(p, "heard/models") },
			[]string{"github.com/gin-gonic/gin", "heard/handlers", "heard/cmd", "heard/scrapers"}},
		{"models reads no migrations (test helpers may)",
			func(p string) bool { return within(p, "heard/models") && !isTestHelper(p) },
			[]string{"heard/migrations"}},
		{"scrapers serve no HTTP and are not wired from inside",
			func(p string) bool { return within(p, "heard/scrapers") },
			[]string{"github.com/gin-gonic/gin", "heard/handlers", "heard/cmd"}},
		{"scrapers read no migrations (test helpers may)",
			func(p string) bool { return within(p, "heard/scrapers") && !isTestHelper(p) },
			[]string{"heard/migrations"}},
		{"handlers trigger scrapes through interfaces cmd satisfies",
			func(p string) bool { return within(p, "heard/handlers") },
			[]string{"heard/scrapers", "heard/cmd"}},
		{"nothing imports cmd",
			func(p string) bool { return !within(p, "heard/cmd") },
			[]string{"heard/cmd"}},
		{"only cmd imports handlers",
			func(p string) bool { return !within(p, "heard/cmd") && !within(p, "heard/handlers") },
			[]string{"heard/handlers"}},
		{"migrations and frontend import no heard package",
			func(p string) bool { return within(p, "heard/migrations") || within(p, "heard/frontend") },
			[]string{"heard"}},
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	checked := map[string]bool{}
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		if p.Module == nil || p.Module.Path != "heard" {
			continue
		}
		checked[p.ImportPath] = true
		if p.Error != nil {
			t.Errorf("%s: %s", p.ImportPath, p.Error.Err)
		}
		for _, r := range rules {
			if !r.applies(p.ImportPath) {
				continue
			}
			for _, f := range r.forbidden {
				for _, dep := range p.Deps {
					if within(dep, f) && !within(dep, p.ImportPath) {
						t.Errorf("%s depends on %s: %s", p.ImportPath, dep, r.name)
						break
					}
				}
			}
		}
	}
	for _, must := range []string{"heard/models", "heard/migrations", "heard/models/modeltest"} {
		if !checked[must] {
			t.Errorf("go list did not report %s; checked %v", must, checked)
		}
	}
}
