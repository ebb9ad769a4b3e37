package scrapers

import (
	"encoding/json"
	"fmt"
	"heard/models"
	"time"
)

// Item is one entry read from a source before extraction: a feed item, a row
// of an HTML list, later a calendar event or a PDF section.
type Item struct {
	// GUID is a stable identifier the source gives the item, if any.
	GUID string `json:"guid,omitempty"`
	// Title is the item's headline, whitespace-collapsed.
	Title string `json:"title"`
	// Description is the item's text, HTML stripped, whitespace-collapsed.
	Description string `json:"description,omitempty"`
	// Link is the item's absolute URL, resolved against the page.
	Link string `json:"link,omitempty"`
	// DateText is a date as the source wrote it ("March 3, 6-8 p.m."),
	// left for extraction to read in the jurisdiction's time zone.
	DateText string `json:"date_text,omitempty"`
	// Published is a machine-readable time the source gave (feed pubDate).
	Published *time.Time `json:"published,omitempty"`
	// Start and End are an event's machine-readable times (a calendar
	// event's DTSTART/DTEND), preferred by extraction over any date in text.
	Start *time.Time `json:"start,omitempty"`
	End   *time.Time `json:"end,omitempty"`
	// AllDay marks an event given as dates without times.
	AllDay bool `json:"all_day,omitempty"`
	// Location is a place as the source wrote it.
	Location string `json:"location,omitempty"`
	// Categories are the source's own tags.
	Categories []string `json:"categories,omitempty"`
}

// maxListItems bounds the items one page or feed may list, as icalMaxItems
// does for a calendar: a state agency lists tens of activities, hundreds at
// most, so tens of thousands mean a runaway page or a hostile one. Each
// item costs parsing, extraction and an upsert in the run's one
// transaction; 24,000 of them held a run for over a minute and would have
// filled the public lists with junk. Such a page is refused whole, like an
// oversized body, rather than read in part.
const maxListItems = 5000

// Settings are a source's extraction settings, stored as JSON with it.
type Settings struct {
	// Item is the CSS selector of each entry on an HTML list page.
	Item string `json:"item,omitempty"`
	// Title, Link, Date, Description and Location are CSS selectors within
	// an item. Empty Title means the first heading or link; empty Link the
	// first a[href]; empty Description the item's whole text.
	Title       string `json:"title,omitempty"`
	Link        string `json:"link,omitempty"`
	Date        string `json:"date,omitempty"`
	Description string `json:"description,omitempty"`
	Location    string `json:"location,omitempty"`
	// Published is a CSS selector within an item of its publication date
	// (a <time datetime> or a plain date): news lists date their entries by
	// when they were posted, which must not be read as the event's date.
	// With Published set and Date empty, the event's date comes from the
	// item's text alone.
	Published string `json:"published,omitempty"`
	// Context is text that describes every item of the source ("ESSA state
	// plan listening sessions"), as a page heading does for the rows below
	// it: extraction reads it with each item.
	Context string `json:"context,omitempty"`
	// GUIDAttr names an attribute of the item element that holds a stable
	// id (for example "id" or "data-id").
	GUIDAttr string `json:"guid_attr,omitempty"`
	// Follow is a regular expression over item links: an item whose link
	// matches has its page fetched (one level deep, as politely as the list)
	// and that page's text added to the item, with its snapshot kept as
	// provenance. Empty follows nothing.
	Follow string `json:"follow,omitempty"`
	// Detail is a CSS selector of the followed page's main content; empty
	// takes the page's whole visible text.
	Detail string `json:"detail,omitempty"`
	// FollowLimit caps how many pages one run follows (default 20).
	FollowLimit int `json:"follow_limit,omitempty"`
	// CancelVanished says whether an upcoming activity that this source no
	// longer lists is marked cancelled. Unset, calendars and list pages
	// cancel (they list what is coming up) and feeds and documents do not
	// (old items scroll off a feed, documents are replaced).
	CancelVanished *bool `json:"cancel_vanished,omitempty"`
	// Keywords keep only items whose title or text contains one of them,
	// case-insensitively; empty keeps every item.
	Keywords []string `json:"keywords,omitempty"`
	// Split is a regular expression that, matched at the start of a line
	// of a PDF's text, begins a new item (a meeting list: `^(March|April)
	// \d`); empty makes the whole document one item.
	Split string `json:"split,omitempty"`
}

// ParseSettings reads a source's stored settings.
func ParseSettings(raw []byte) (Settings, error) {
	var s Settings
	if len(raw) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("source settings: %w", err)
	}
	return s, nil
}

// cancelsVanished applies CancelVanished's default for the source's kind.
func (s Settings) cancelsVanished(kind models.SourceKind) bool {
	if s.CancelVanished != nil {
		return *s.CancelVanished
	}
	return kind == models.KindHTML || kind == models.KindICal
}
