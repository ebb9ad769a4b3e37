package scrapers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"heard/models"
)

// DefaultFollowLimit caps the detail pages one run follows when a source's
// settings do not say.
const DefaultFollowLimit = 20

// detail is a page followed from a list item.
type detail struct {
	resp *Response
	text string
	key  string // snapshot sha256, set when stored
	err  error
}

func (s Settings) followPattern() (*regexp.Regexp, error) {
	if s.Follow == "" {
		return nil, nil
	}
	re, err := regexp.Compile(s.Follow)
	if err != nil {
		return nil, fmt.Errorf("source settings: follow: %w", err)
	}
	return re, nil
}

// followDetails fetches, through the same fetcher and so with the same
// robots rules, rate limit and guards, the pages of items whose link
// matches the follow pattern: one level deep, each page once, at most the
// follow limit. A page that cannot be read is a warning on the run; its
// item is still read from the list alone.
//
// A detail page that does not answer in time, or whose connection breaks,
// after its retries, ends the following: the pages left are marked failed
// without being asked for. Each of them could cost as much again, and a
// site that drips every page would otherwise hold the run (and the sources
// queued behind it) for the follow limit times the fetch timeout and its
// retries.
func (r *Runner) followDetails(ctx context.Context, items []Item, follow *regexp.Regexp, s Settings, run *models.ScrapeRun) map[string]*detail {
	out := map[string]*detail{}
	if follow == nil {
		return out
	}
	limit := s.FollowLimit
	if limit <= 0 {
		limit = DefaultFollowLimit
	}
	var gaveUp error
	for _, it := range items {
		if it.Link == "" || out[it.Link] != nil || !follow.MatchString(it.Link) {
			continue
		}
		if gaveUp != nil {
			// Failed, with no response to record: the item's stored
			// record keeps what its page said before (see store).
			out[it.Link] = &detail{err: gaveUp}
			continue
		}
		if len(out) == limit {
			run.Warn("followed only the first %d detail pages (follow_limit)", limit)
			break
		}
		resp, err := r.Fetcher.Fetch(ctx, it.Link, Conditional{})
		d := &detail{resp: resp, err: err}
		if err == nil && resp.NotModified {
			d.err = fmt.Errorf("unexpected 304 for an unconditional request")
		}
		if d.err == nil {
			d.text, d.err = detailText(resp.Body, s.Detail)
		}
		if d.err != nil {
			run.Warn("detail page %s: %v", it.Link, d.err)
		}
		out[it.Link] = d
		if err != nil && hostUnresponsive(ctx, err) {
			gaveUp = fmt.Errorf("not fetched: %s did not answer", it.Link)
			run.Warn("stopped following detail pages: %s did not answer", it.Link)
		}
	}
	return out
}

// hostUnresponsive reports whether a failed fetch's error says the host
// is in trouble (a timeout, a broken or refused connection), as opposed to
// a page of its being wrong (an HTTP status, a body too large, a redirect
// or robots.txt refusal).
func hostUnresponsive(ctx context.Context, err error) bool {
	var status *StatusError
	return !errors.As(err, &status) && retryable(ctx, err)
}

// detailText is the text of a followed page: the element the selector picks,
// or the whole page.
func detailText(body []byte, selector string) (string, error) {
	if selector == "" {
		return HTMLText(body), nil
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("parse detail page: %w", err)
	}
	sel, err := cascadia.Compile(selector)
	if err != nil {
		return "", fmt.Errorf("source settings: detail selector %q: %w", selector, err)
	}
	var parts []string
	doc.FindMatcher(sel).Each(func(_ int, el *goquery.Selection) {
		parts = append(parts, selectionText(el))
	})
	if len(parts) == 0 {
		return "", fmt.Errorf("detail selector %q matched nothing", selector)
	}
	return strings.Join(parts, "\n"), nil
}

// storeDetails keeps each followed page as a snapshot with its fetch row,
// failed ones as a fetch row with the error.
func storeDetails(ctx context.Context, tx *models.Store, src models.Source, run models.ScrapeRun, details map[string]*detail) error {
	for link, d := range details {
		if d.resp == nil {
			continue // refused before any request
		}
		var sha *string
		errMsg := ""
		if d.err != nil {
			errMsg = d.err.Error()
		} else {
			key, err := tx.PutSnapshot(ctx, models.Snapshot{MediaType: d.resp.MediaType, Body: d.resp.Body, Text: storableText(d.text)})
			if err != nil {
				return err
			}
			d.key, sha = key, &key
		}
		f := fetchRecord(src, run, d.resp, sha, errMsg, "detail")
		if f.URL == "" {
			f.URL = link
		}
		if err := insertFetches(ctx, tx, f, d.resp); err != nil {
			return err
		}
	}
	return nil
}
