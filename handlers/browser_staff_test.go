package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// waitFor evaluates the JavaScript condition until it is true, across the
// reloads the staff forms cause, failing the test after a while.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](
				`Array.from(document.querySelectorAll('.form-status')).map(e => e.textContent).join(' | ')`))
			t.Fatalf("waiting for %s: %v (form status: %q)", what, err, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserStaffWorkflow is issue 6's end-to-end test in a real browser:
// log in, accept an activity, annotate a passage, override a criterion,
// offer the agency its reply, let it reply through its link, publish, and
// see the public page change. Every staff page on the way passes axe-core.
func TestBrowserStaffWorkflow(t *testing.T) {
	b := startBrowser(t)
	f := newStaffFixture(t, false)
	id := seedOhio(t, f.store)
	ctx := b.tab(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	base := f.srv.URL
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	// The public page before: nothing published.
	do("public page", chromedp.Navigate(base+"/states/OH"))
	if p := text("main"); !strings.Contains(p, "No scorecard has been published") {
		t.Fatalf("public page before publishing: %q", p)
	}

	// Log in: the review queue asks for it, and comes back after.
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(base+"/staff/review"))
	if err != nil || resp.Status != http.StatusUnauthorized {
		t.Fatalf("staff page while logged out: %v %v", resp, err)
	}
	b.checkAxe(t, ctx, "/staff/login")
	do("log in", chromedp.SendKeys(chromedp.CSS("#email"), "editor@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	waitFor(t, ctx, "the review queue", `location.pathname === "/staff/review" && !!document.querySelector("#activity-`+itoa(id)+`")`)
	b.checkAxe(t, ctx, "/staff/review")
	b.screenshot(t, ctx, "staff-review")

	// Accept the activity.
	do("accept", chromedp.Click(chromedp.CSS(`#activity-`+itoa(id)+` form:first-of-type button`)))
	waitFor(t, ctx, "the emptied queue", `document.body.textContent.includes("The queue is empty")`)

	// Annotate a passage of its snapshot, selected with the mouse's
	// equivalent: a range over the words.
	do("activity page", chromedp.Navigate(base+"/staff/activities/"+itoa(id)))
	b.checkAxe(t, ctx, "/staff/activities/"+itoa(id))
	if got := text("#review-status"); got != "accepted" {
		t.Errorf("review status after accepting: %q", got)
	}
	do("select a passage", chromedp.Evaluate[chromedp.Void](`(() => {
		const el = document.getElementById("snapshot-text");
		const node = el.firstChild, phrase = "Town hall on the ESSA plan";
		const at = node.textContent.indexOf(phrase);
		const r = document.createRange();
		r.setStart(node, at); r.setEnd(node, at + phrase.length);
		const sel = document.getSelection(); sel.removeAllRanges(); sel.addRange(r);
	})()`))
	waitFor(t, ctx, "the quote filled in", `document.getElementById("n-exact").value === "Town hall on the ESSA plan"`)
	if pre, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#n-prefix"))); !strings.HasSuffix(pre, "will hold a ") {
		t.Errorf("prefix %q", pre)
	}
	do("annotate", chromedp.SendKeys(chromedp.CSS("#n-body"), "The agenda confirms parents were invited."),
		chromedp.SetValue(chromedp.CSS("#n-visibility"), "public"),
		chromedp.Click(chromedp.CSS("#annotation-form button")))
	waitFor(t, ctx, "the annotation", `!!document.querySelector(".annotation mark") && document.querySelector(".annotation").textContent.includes("parents were invited")`)
	b.screenshot(t, ctx, "staff-activity")

	// Override a criterion on the state's page.
	do("state page", chromedp.Navigate(base+"/staff/states/OH"))
	b.checkAxe(t, ctx, "/staff/states/OH")
	do("override", chromedp.Click(chromedp.CSS("#criterion-comment summary")),
		chromedp.SendKeys(chromedp.CSS("#score-comment"), "3"),
		chromedp.SendKeys(chromedp.CSS("#just-comment"), "The comment period ran 45 days; see the notice."),
		chromedp.Click(chromedp.CSS("#criterion-comment form button")))
	waitFor(t, ctx, "the override in the draft", `document.querySelector("#criterion-comment .draft-score").textContent.trim() === "3"`)

	// Draft, right of reply, the agency's reply through its link.
	do("open a draft", chromedp.Click(chromedp.CSS(`.workflow form button`)))
	waitFor(t, ctx, "the draft", `!!document.getElementById("contact")`)
	do("offer the reply", chromedp.SendKeys(chromedp.CSS("#contact"), "Deputy Superintendent"),
		chromedp.Click(chromedp.CSS(`form[data-then="show-link"] button`)))
	waitFor(t, ctx, "the reply link", `!document.querySelector(".reply-link").hidden`)
	link := text(".reply-link output")
	if !strings.HasPrefix(link, base+"/reply/") {
		t.Fatalf("reply link %q", link)
	}
	do("public page", chromedp.Navigate(base+"/states/OH"), chromedp.Reload())
	if p := text("main"); !strings.Contains(p, "No scorecard has been published") {
		t.Errorf("the draft reached the public before publishing")
	}
	do("reply page", chromedp.Navigate(link))
	b.checkAxe(t, ctx, "/reply/…")
	do("reply", chromedp.SendKeys(chromedp.CSS("#name"), "A. Official"),
		chromedp.SendKeys(chromedp.CSS("#body"), "We also met with tribal leaders in October."),
		chromedp.Click(chromedp.CSS("main form button")))
	waitFor(t, ctx, "the thanks", `document.querySelector("h1").textContent === "Thank you"`)

	// Publish, and the public page changes.
	do("state page", chromedp.Navigate(base+"/staff/states/OH"))
	if p := text("#review-state"); !strings.Contains(p, "Reply received") {
		t.Errorf("review state after the reply: %q", p)
	}
	do("publish", chromedp.Click(chromedp.CSS(`form[data-api$="/review/publish"] button`)))
	waitFor(t, ctx, "the publication", `document.getElementById("published-line").textContent.startsWith("Published")`)
	b.screenshot(t, ctx, "staff-state")

	// Public pages may be cached for a minute; a reload revalidates, and
	// the page's ETag has changed with the publication.
	do("public page", chromedp.Navigate(base+"/states/OH"), chromedp.Reload())
	public := text("main")
	for _, want := range []string{"Published", "A. Official", "We also met with tribal leaders", "The agenda confirms parents were invited", "The comment period ran 45 days"} {
		if !strings.Contains(public, want) {
			t.Errorf("the published page lacks %q", want)
		}
	}
	if strings.Contains(public, "No scorecard has been published") {
		t.Errorf("the public page still says nothing is published")
	}
	b.checkAxe(t, ctx, "/states/OH published")
	b.screenshot(t, ctx, "state-OH-published")
}
