package handlers

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"heard/models"
)

// What other sites embed: /states/{code}/badge.svg, an image of the level
// and score, and /states/{code}/widget, a small page for an iframe. The
// state page shows the markup for both, and its upcoming list is built
// here too, since the widget shows the same countdowns.

// chance is an upcoming activity as the pages show it.
type chance struct {
	models.Activity
	// Countdown is a comment period's time left ("12 days left", "closes
	// today"), or how soon it opens; empty for other activities.
	Countdown string
	// JoinURL is the link to join or register for a remote activity.
	JoinURL string
	// Closes is an open comment period's deadline, the date that matters
	// more than its start once it is open.
	Closes *time.Time
}

// chances adds countdowns, counted in whole days of the jurisdiction's
// calendar: a period closing tonight "closes today" even if it is morning.
func chances(lang string, acts []models.Activity, loc *time.Location, now time.Time) []chance {
	out := make([]chance, len(acts))
	for i, a := range acts {
		ch := chance{Activity: a}
		if a.Remote {
			ch.JoinURL = httpURL(a.URL)
		}
		if a.Type == models.TypeCommentPeriod && a.End != nil {
			switch {
			case a.Start != nil && a.Start.After(now):
				ch.Countdown = countDays(daysBetween(now, *a.Start, loc), tr(lang, "days.opens_today"), tr(lang, "days.opens_tomorrow"), tr(lang, "days.opens_in"))
			default:
				ch.Countdown = countDays(daysBetween(now, *a.End, loc), tr(lang, "days.closes_today"), tr(lang, "days.one_left"), tr(lang, "days.many_left"))
				ch.Closes = a.End
			}
		}
		out[i] = ch
	}
	return out
}

func countDays(n int, zero, one, many string) string {
	switch {
	case n <= 0:
		return zero
	case n == 1:
		return one
	}
	return fmt.Sprintf(many, n)
}

// daysBetween counts the calendar days from from's date to to's date, both
// read in loc.
func daysBetween(from, to time.Time, loc *time.Location) int {
	return int(civilDate(to.In(loc)).Sub(civilDate(from.In(loc))).Hours() / 24)
}

// shareLinks are the state page's share link and embed snippets.
type shareLinks struct {
	URL, BadgePath, BadgeAlt, BadgeMarkup, WidgetMarkup string
	BadgeWidth, BadgeHeight                             int
}

func (h *Handler) shareLinks(c *gin.Context, sum models.ScoreSummary) shareLinks {
	page := h.origin(c) + "/states/" + sum.Code
	b := newBadge(sum)
	alt := xmlEscape(b.Title.Text)
	return shareLinks{
		URL:         page,
		BadgePath:   "/states/" + sum.Code + "/badge.svg",
		BadgeAlt:    b.Title.Text,
		BadgeWidth:  b.Width,
		BadgeHeight: b.Height,
		BadgeMarkup: fmt.Sprintf(`<a href="%s"><img src="%s/badge.svg" alt="%s" width="%d" height="%d"></a>`,
			page, page, alt, b.Width, b.Height),
		WidgetMarkup: fmt.Sprintf(`<iframe src="%s/widget" title="%s engagement scorecard from Heard" width="320" height="300" style="border:1px solid #d0d7de" loading="lazy"></iframe>`,
			page, xmlEscape(sum.Name)),
	}
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// --- badge ---

// levelColours mirror the level classes of style.css: fill, text and an
// outline for the fills too light to stand out on a white page.
var levelColours = map[models.Level]struct{ Fill, Text, Stroke string }{
	models.LevelExemplary:    {"#08306b", "#ffffff", ""},
	models.LevelStrong:       {"#2171b5", "#ffffff", ""},
	models.LevelDeveloping:   {"#6baed6", "#0b1a2b", ""},
	models.LevelLimited:      {"#c6dbef", "#0b1a2b", ""},
	models.LevelMinimal:      {"#f2f7fc", "#0b1a2b", "#9fb3c8"},
	models.LevelInsufficient: {"#e3e3e3", "#222222", "#999999"},
	models.LevelUnscored:     {"#ffffff", "#333333", "#777777"},
}

const (
	badgeInk      = "#1b1f24" // --ink, behind the white state code
	badgeFont     = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
	badgeCharW    = 7 // px per character at 11px, generous; textLength makes it exact
	badgePad      = 8
	badgeHeight   = 20
	badgeFontSize = 11
)

// svgBadge is the badge's markup. It is encoded with encoding/xml, so every
// text is escaped, and it holds no script, link or style element: safe to
// serve from Heard and to inline elsewhere.
type svgBadge struct {
	XMLName xml.Name   `xml:"http://www.w3.org/2000/svg svg"`
	Width   int        `xml:"width,attr"`
	Height  int        `xml:"height,attr"`
	ViewBox string     `xml:"viewBox,attr"`
	Role    string     `xml:"role,attr"`
	Label   string     `xml:"aria-labelledby,attr"`
	Title   svgTitle   `xml:"title"`
	Rects   []svgRect  `xml:"rect"`
	Texts   []svgLabel `xml:"text"`
}

type svgTitle struct {
	ID   string `xml:"id,attr"`
	Text string `xml:",chardata"`
}

type svgRect struct {
	X           float64 `xml:"x,attr"`
	Y           float64 `xml:"y,attr"`
	Width       float64 `xml:"width,attr"`
	Height      float64 `xml:"height,attr"`
	Fill        string  `xml:"fill,attr"`
	Stroke      string  `xml:"stroke,attr,omitempty"`
	StrokeWidth string  `xml:"stroke-width,attr,omitempty"`
}

type svgLabel struct {
	X          float64 `xml:"x,attr"`
	Y          int     `xml:"y,attr"`
	Fill       string  `xml:"fill,attr"`
	FontFamily string  `xml:"font-family,attr"`
	FontSize   int     `xml:"font-size,attr"`
	FontWeight string  `xml:"font-weight,attr"`
	Anchor     string  `xml:"text-anchor,attr"`
	Length     int     `xml:"textLength,attr"`
	Adjust     string  `xml:"lengthAdjust,attr"`
	Text       string  `xml:",chardata"`
}

// badgeTitle is the badge's accessible name: "Ohio: Strong, 64/100".
func badgeTitle(sum models.ScoreSummary) string {
	if sum.Overall == nil {
		return sum.Name + ": " + sum.Level.Label()
	}
	return fmt.Sprintf("%s: %s, %.0f/100", sum.Name, sum.Level.Label(), *sum.Overall)
}

func newBadge(sum models.ScoreSummary) svgBadge {
	colours, ok := levelColours[sum.Level]
	if !ok {
		colours = levelColours[models.LevelUnscored]
	}
	right := sum.Level.Label()
	if sum.Overall != nil {
		right += fmt.Sprintf(" · %.0f/100", *sum.Overall)
	}
	left := "Heard " + sum.Code
	lw := utf8.RuneCountInString(left)*badgeCharW + 2*badgePad
	rw := utf8.RuneCountInString(right)*badgeCharW + 2*badgePad
	w := lw + rw
	label := func(x float64, width int, fill, weight, s string) svgLabel {
		return svgLabel{X: x, Y: 14, Fill: fill, FontFamily: badgeFont, FontSize: badgeFontSize,
			FontWeight: weight, Anchor: "middle", Length: width - 2*badgePad, Adjust: "spacingAndGlyphs", Text: s}
	}
	b := svgBadge{
		Width: w, Height: badgeHeight, ViewBox: fmt.Sprintf("0 0 %d %d", w, badgeHeight),
		Role: "img", Label: "heard-badge-" + sum.Code, Title: svgTitle{ID: "heard-badge-" + sum.Code, Text: badgeTitle(sum)},
		Rects: []svgRect{
			{Width: float64(lw), Height: badgeHeight, Fill: badgeInk},
			{X: float64(lw), Width: float64(rw), Height: badgeHeight, Fill: colours.Fill},
		},
		Texts: []svgLabel{
			label(float64(lw)/2, lw, "#ffffff", "700", left),
			label(float64(lw)+float64(rw)/2, rw, colours.Text, "600", right),
		},
	}
	if colours.Stroke != "" {
		// Inset by half the stroke width so the outline is not clipped.
		b.Rects = append(b.Rects, svgRect{X: float64(lw) + 0.5, Y: 0.5, Width: float64(rw) - 1, Height: badgeHeight - 1,
			Fill: "none", Stroke: colours.Stroke, StrokeWidth: "1"})
	}
	return b
}

func (h *Handler) badgeSVG(c *gin.Context) {
	sum, ok := h.stateSummary(c)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := xml.NewEncoder(&buf).Encode(newBadge(sum)); err != nil {
		h.pageErr(c, fmt.Errorf("badge %s: %w", sum.Code, err))
		return
	}
	buf.WriteString("\n")
	// Opened on its own, the image may run nothing and load nothing.
	c.Header("Content-Security-Policy", "default-src 'none'; sandbox")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cross-Origin-Resource-Policy", "cross-origin")
	c.Data(http.StatusOK, "image/svg+xml", buf.Bytes())
}

// --- widget ---

// widgetData is what page_widget.html's "widget" template receives.
type widgetData struct {
	Summary  models.ScoreSummary
	Upcoming []chance
	Demo     bool
	// Lang is the widget's language (/es/states/{code}/widget is Spanish).
	Lang string
}

// widgetCSP lets any site frame the widget and lets the widget itself load
// only Heard's stylesheet.
const widgetCSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *"

func (h *Handler) widget(c *gin.Context) {
	sum, ok := h.stateSummary(c)
	if !ok {
		return
	}
	acts, err := h.upcoming(c.Request.Context(), sum.Code, 3)
	if err != nil {
		h.pageErr(c, err)
		return
	}
	lang := langOf(c)
	d := widgetData{Summary: sum, Upcoming: chances(lang, acts, sum.Location(), h.opts.Now()), Demo: sum.Demo || h.opts.Demo, Lang: lang}
	t, ok := h.pages[lang]["widget"]
	var buf bytes.Buffer
	if !ok {
		h.pageErr(c, fmt.Errorf("widget template missing"))
		return
	}
	if err := t.ExecuteTemplate(&buf, "widget", d); err != nil {
		h.pageErr(c, fmt.Errorf("render widget: %w", err))
		return
	}
	// The widget exists to be framed: whatever a wider policy sets, this
	// route must not forbid it.
	c.Writer.Header().Del("X-Frame-Options")
	c.Header("Content-Security-Policy", widgetCSP)
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}
