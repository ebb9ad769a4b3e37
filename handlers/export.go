package handlers

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"heard/models"
)

// ColumnDoc documents one column of a bulk export for the data dictionary.
type ColumnDoc struct {
	Name        string
	Type        string
	Description string
}

// ExportColumn is one column of a bulk export: its documentation and how
// it is read from a row. The same slice writes the CSV header, each CSV
// record, each NDJSON object and the /data page, so they cannot drift.
type ExportColumn[R any] struct {
	ColumnDoc
	// value returns a string, bool, int, int64, float64, *int, *float64,
	// time.Time, *time.Time, models.StringList or models.Int64List; a nil
	// pointer is an empty CSV cell and a JSON null.
	value func(R) any
}

func col[R any](name, typ, desc string, value func(R) any) ExportColumn[R] {
	return ExportColumn[R]{ColumnDoc: ColumnDoc{Name: name, Type: typ, Description: desc}, value: value}
}

// oneOf lists a vocabulary for a column description.
func oneOf[T ~string](vals []T) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = string(v)
	}
	return "One of: " + strings.Join(s, ", ") + "."
}

// Column types as the data dictionary names them.
const (
	typeText      = "text"
	typeInteger   = "integer"
	typeNumber    = "number"
	typeBoolean   = "boolean"
	typeTimestamp = "timestamp (RFC 3339)"
	typeTextList  = "list of text"
	typeIDList    = "list of integers"
)

// ScorecardColumns are the columns of the scorecards export, in order.
var ScorecardColumns = []ExportColumn[models.ScorecardRow]{
	col("jurisdiction", typeText, "Postal code of the state, DC or PR.",
		func(r models.ScorecardRow) any { return r.Jurisdiction }),
	col("jurisdiction_name", typeText, "Name of the jurisdiction.",
		func(r models.ScorecardRow) any { return r.JurisdictionName }),
	col("rubric_version", typeInteger, "Rubric version the score was computed under. Every row carries it; old score runs keep theirs.",
		func(r models.ScorecardRow) any { return r.RubricVersion }),
	col("criterion_key", typeText, "Stable key of the criterion, as in /api/v1/rubric.",
		func(r models.ScorecardRow) any { return r.CriterionKey }),
	col("criterion_title", typeText, "Title of the criterion in this rubric version.",
		func(r models.ScorecardRow) any { return r.CriterionTitle }),
	col("weight", typeInteger, "Weight of the criterion in the overall score; the weights of a rubric version sum to 100.",
		func(r models.ScorecardRow) any { return r.Weight }),
	col("status", typeText, "How the criterion's score came about. scored carries a number; no_evidence means nothing was found, and the criterion is left out of the overall score rather than counted as 0; not_applicable means the criterion does not apply (tribal consultation where the jurisdiction has no federally recognized tribes). "+
		oneOf([]models.CriterionStatus{models.StatusScored, models.StatusNoEvidence, models.StatusNotApplicable, models.StatusNotScored}),
		func(r models.ScorecardRow) any { return string(r.Status) }),
	col("score", typeInteger, "Published score from 0 to 4 on the criterion's anchors (see /methodology); empty (null) unless status is scored. A 0 is a judged score, never a missing one.",
		func(r models.ScorecardRow) any { return r.Score }),
	col("override_score", typeInteger, "The staff override in force when the run was made, 0 to 4 (score then equals it; a 'searched, none found' override is 0); empty (null) when the machine's score stands. The justification and history are at /api/v1/jurisdictions/{code}/overrides.",
		func(r models.ScorecardRow) any { return r.OverrideScore }),
	col("level", typeText, "Level of the jurisdiction's whole score run (repeated on each of its rows). "+oneOf(models.Levels),
		func(r models.ScorecardRow) any { return string(r.Level) }),
	col("overall", typeNumber, "Overall score of the run, 0 to 100: the weighted mean of the scored criteria; empty (null) when none is scored.",
		func(r models.ScorecardRow) any { return r.Overall }),
	col("coverage", typeNumber, "Share of the applicable rubric weight (percent) that the overall score covers.",
		func(r models.ScorecardRow) any { return r.Coverage }),
	col("rationale", typeText, "Plain-language reason for the score: what was found and what was missing.",
		func(r models.ScorecardRow) any { return r.Rationale }),
	col("evidence_ids", typeIDList, "Ids of the activities the score rests on (the id column of the activities export). Space-separated in CSV, an array in NDJSON.",
		func(r models.ScorecardRow) any { return r.EvidenceIDs }),
	col("score_run_id", typeInteger, "Id of the score run the row belongs to; every row of a jurisdiction shares it.",
		func(r models.ScorecardRow) any { return r.ScoreRunID }),
	col("computed_at", typeTimestamp, "When the score run was computed, in UTC. A score run is never changed afterwards, so this is also when the row was last updated.",
		func(r models.ScorecardRow) any { return r.ComputedAt }),
	col("demo", typeBoolean, "true when the score rests on Heard's synthetic demonstration data and describes no real state.",
		func(r models.ScorecardRow) any { return r.Demo }),
}

// ActivityColumns are the columns of the activities export, in order.
var ActivityColumns = []ExportColumn[models.ActivityRow]{
	col("id", typeInteger, "Stable id of the activity; scorecard evidence_ids refer to it, and /api/v1/activities/{id} shows it with all its sources.",
		func(r models.ActivityRow) any { return r.ID }),
	col("jurisdiction", typeText, "Postal code of the state, DC or PR.",
		func(r models.ActivityRow) any { return r.Jurisdiction }),
	col("activity_type", typeText, "Kind of activity. "+oneOf(models.ActivityTypes),
		func(r models.ActivityRow) any { return string(r.Type) }),
	col("title", typeText, "Title as the state published it.",
		func(r models.ActivityRow) any { return r.Title }),
	col("description", typeText, "Description as the state published it; may contain line breaks.",
		func(r models.ActivityRow) any { return r.Description }),
	col("start", typeTimestamp, "Start, with the UTC offset of the activity's time zone; empty (null) when unknown.",
		func(r models.ActivityRow) any { return r.Start }),
	col("end", typeTimestamp, "End (the close of a comment period), with the UTC offset of the activity's time zone; empty (null) when unknown.",
		func(r models.ActivityRow) any { return r.End }),
	col("all_day", typeBoolean, "true when the activity has a date but no time of day.",
		func(r models.ActivityRow) any { return r.AllDay }),
	col("time_zone", typeText, "IANA time zone of the activity.",
		func(r models.ActivityRow) any { return r.TimeZone }),
	col("location", typeText, "Where it was held, as published; empty when not given.",
		func(r models.ActivityRow) any { return r.Location }),
	col("region", typeText, "County or region of the state it was held in; empty when not known.",
		func(r models.ActivityRow) any { return r.Region }),
	col("remote", typeBoolean, "true when people could take part remotely.",
		func(r models.ActivityRow) any { return r.Remote }),
	col("languages", typeTextList, "Languages the activity or its materials were offered in (ISO 639 codes). Separated by ; in CSV, an array in NDJSON.",
		func(r models.ActivityRow) any { return r.Languages }),
	col("interpretation", typeBoolean, "true when interpretation was offered.",
		func(r models.ActivityRow) any { return r.Interpretation }),
	col("accessibility", typeText, "Accessibility or accommodation notice, as published.",
		func(r models.ActivityRow) any { return r.Accessibility }),
	col("audience_groups", typeTextList, "Stakeholder groups the activity addressed. Separated by ; in CSV, an array in NDJSON. "+oneOf(models.AudienceGroups),
		func(r models.ActivityRow) any { return r.AudienceGroups }),
	col("features", typeTextList, "Observed qualities the rubric reads. Separated by ; in CSV, an array in NDJSON. "+oneOf(models.Features),
		func(r models.ActivityRow) any { return r.Features }),
	col("plan_phase", typeText, "Stage of the state plan the activity belongs to. "+oneOf(models.PlanPhases),
		func(r models.ActivityRow) any { return string(r.Phase) }),
	col("status", typeText, "Whether the activity is to come, took place or was called off. "+
		oneOf([]models.ActivityStatus{models.StatusScheduled, models.StatusHeld, models.StatusCancelled, models.StatusUnknown}),
		func(r models.ActivityRow) any { return string(r.Status) }),
	col("review_status", typeText, "Staff review of the machine's record: new (not yet reviewed) or accepted. Rejected records are left out of the export, as they are of the scores.",
		func(r models.ActivityRow) any { return r.ReviewStatus }),
	col("url", typeText, "Link to the activity's own page, when it has one.",
		func(r models.ActivityRow) any { return r.URL }),
	col("source_url", typeText, "Address of the page or feed the activity was most recently read from.",
		func(r models.ActivityRow) any { return r.SourceURL }),
	col("snapshot_sha256", typeText, "SHA-256 of the stored copy of that page; /api/v1/snapshots/{sha256} serves it.",
		func(r models.ActivityRow) any { return r.SnapshotSHA256 }),
	col("retrieved_at", typeTimestamp, "When that copy was retrieved, in UTC.",
		func(r models.ActivityRow) any { return r.RetrievedAt }),
	col("first_seen", typeTimestamp, "When Heard first found the activity, in UTC.",
		func(r models.ActivityRow) any { return r.FirstSeen }),
	col("last_seen", typeTimestamp, "When a source last listed the activity, in UTC.",
		func(r models.ActivityRow) any { return r.LastSeen }),
	col("updated_at", typeTimestamp, "When the record last changed, in UTC. Every row carries it.",
		func(r models.ActivityRow) any { return r.UpdatedAt }),
	col("demo", typeBoolean, "true when the activity comes from Heard's synthetic demonstration corpus and describes no real state.",
		func(r models.ActivityRow) any { return r.Demo }),
}

// exportFlushEvery is how many rows are written between flushes to the
// client: often enough that a download shows progress, rarely enough that
// chunks stay large.
const exportFlushEvery = 500

// exportFormat is the file format of an export.
type exportFormat string

const (
	formatCSV    exportFormat = "csv"
	formatNDJSON exportFormat = "ndjson"
)

// registerExports adds the bulk exports (their data dictionary, /data, is
// one of the pages of registerPages). Register calls it so that the route table stays one place to read.
func (h *Handler) registerExports(r gin.IRouter) {
	r.GET("/api/v1/export/scorecards.csv", h.exportScorecards(formatCSV))
	r.GET("/api/v1/export/scorecards.ndjson", h.exportScorecards(formatNDJSON))
	r.GET("/api/v1/export/activities.csv", h.exportActivities(formatCSV))
	r.GET("/api/v1/export/activities.ndjson", h.exportActivities(formatNDJSON))
}

// exportScorecards streams every criterion of each jurisdiction's latest
// score run under the current rubric, or ?rubric_version=N.
func (h *Handler) exportScorecards(format exportFormat) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		rubric, ok := h.rubricFor(c, "rubric_version")
		if !ok {
			return
		}
		streamExport(h, c, "heard-scorecards", format, ScorecardColumns, func(fn func(models.ScorecardRow) error) error {
			return h.store.ScorecardRows(ctx, rubric.Version, models.Published, fn)
		})
	}
}

// exportActivities streams every activity, or those of ?state=XX.
func (h *Handler) exportActivities(format exportFormat) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		code := c.Query("state")
		name := "heard-activities"
		if code != "" {
			j, err := h.store.JurisdictionByCode(ctx, code)
			if err != nil {
				if isNotFound(err) {
					err = &models.ValidationError{Fields: map[string]string{"state": "must be the postal code of a state, DC or PR"}}
				}
				h.respondErr(c, err)
				return
			}
			code = j.Code
			name += "-" + strings.ToLower(j.Code)
		}
		streamExport(h, c, name, format, ActivityColumns, func(fn func(models.ActivityRow) error) error {
			return h.store.ActivityRows(ctx, code, fn)
		})
	}
}

// rowWriter writes the rows of one export in one format.
type rowWriter[R any] interface {
	header() error
	row(R) error
	flush() error
}

// streamExport writes the rows each yields as they come from the database.
// The status and headers go out with the first row (or, for an empty
// export, at the end), so an error before then is still a JSON error. An
// error after that cannot change the status: it is logged and the
// connection is dropped, so the client sees a truncated transfer rather
// than a file that looks complete.
func streamExport[R any](h *Handler, c *gin.Context, name string, format exportFormat, cols []ExportColumn[R],
	each func(fn func(R) error) error) {
	var w rowWriter[R]
	started := false
	start := func() error {
		started = true
		filename := fmt.Sprintf("%s-%s.%s", name, h.opts.Now().UTC().Format("2006-01-02"), format)
		if format == formatCSV {
			c.Header("Content-Type", "text/csv; charset=utf-8")
			w = newCSVRows(c.Writer, cols)
		} else {
			c.Header("Content-Type", "application/x-ndjson")
			w = newNDJSONRows(c.Writer, cols)
		}
		c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
		c.Header("Cache-Control", "public, max-age=60") // as the JSON API; no ETag, since the body is never whole in memory
		c.Header("X-Content-Type-Options", "nosniff")
		c.Status(http.StatusOK)
		return w.header()
	}
	n := 0
	err := each(func(r R) error {
		if !started {
			if err := start(); err != nil {
				return err
			}
		}
		if err := w.row(r); err != nil {
			return err
		}
		if n++; n%exportFlushEvery == 0 {
			return w.flush()
		}
		return nil
	})
	if err == nil && !started {
		err = start()
	}
	if err == nil {
		err = w.flush()
	}
	if err == nil {
		return
	}
	if !started {
		h.respondErr(c, err)
		return
	}
	// A client that hangs up is routine; anything else is worth an error.
	level := slog.LevelError
	if c.Request.Context().Err() != nil {
		level = slog.LevelInfo
	}
	h.log.Log(c.Request.Context(), level, "export interrupted", "path", c.Request.URL.Path, "rows", n,
		"request_id", c.GetString(requestIDKey), "err", err)
	abortStream(c)
}

// abortStream drops the connection under a response already started, so
// that a chunked transfer ends without its final chunk and the client
// knows the file is incomplete. gin's writer refuses to hijack once a body
// is written, so the connection is taken from the innermost writer; where
// it cannot be (HTTP/2), the response simply ends.
func abortStream(c *gin.Context) {
	var w http.ResponseWriter = c.Writer
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
		}
	}
}

// csvRows writes RFC 4180 CSV: a header row, CRLF line ends, fields quoted
// only when they must be.
type csvRows[R any] struct {
	cols []ExportColumn[R]
	w    *csv.Writer
	out  http.Flusher
	rec  []string
}

func newCSVRows[R any](out gin.ResponseWriter, cols []ExportColumn[R]) *csvRows[R] {
	w := csv.NewWriter(out)
	w.UseCRLF = true
	return &csvRows[R]{cols: cols, w: w, out: out, rec: make([]string, len(cols))}
}

func (x *csvRows[R]) header() error {
	for i, col := range x.cols {
		x.rec[i] = col.Name
	}
	return x.w.Write(x.rec)
}

func (x *csvRows[R]) row(r R) error {
	for i, col := range x.cols {
		x.rec[i] = csvCell(col.value(r))
	}
	return x.w.Write(x.rec)
}

func (x *csvRows[R]) flush() error {
	x.w.Flush()
	if err := x.w.Error(); err != nil {
		return err
	}
	x.out.Flush()
	return nil
}

// csvCell writes a value as CSV text: empty for null, lists joined (ids by
// spaces, text by semicolons), times in RFC 3339.
func csvCell(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case *int:
		if x == nil {
			return ""
		}
		return strconv.Itoa(*x)
	case *float64:
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'f', -1, 64)
	case time.Time:
		return x.Format(time.RFC3339)
	case *time.Time:
		if x == nil {
			return ""
		}
		return x.Format(time.RFC3339)
	case models.StringList:
		return strings.Join(x, ";")
	case models.Int64List:
		s := make([]string, len(x))
		for i, id := range x {
			s[i] = strconv.FormatInt(id, 10)
		}
		return strings.Join(s, " ")
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// ndjsonRows writes one JSON object per line, keys in column order (which
// a map would not keep), each value encoded by a json.Encoder that leaves
// <, > and & as they are.
type ndjsonRows[R any] struct {
	cols []ExportColumn[R]
	buf  *bufio.Writer
	out  http.Flusher
	keys [][]byte
	val  bytes.Buffer
	enc  *json.Encoder
	line []byte
}

func newNDJSONRows[R any](out gin.ResponseWriter, cols []ExportColumn[R]) *ndjsonRows[R] {
	x := &ndjsonRows[R]{cols: cols, buf: bufio.NewWriterSize(out, 32<<10), out: out, keys: make([][]byte, len(cols))}
	x.enc = json.NewEncoder(&x.val)
	x.enc.SetEscapeHTML(false)
	for i, col := range cols {
		k, _ := json.Marshal(col.Name)
		x.keys[i] = append(k, ':')
	}
	return x
}

func (x *ndjsonRows[R]) header() error { return nil }

func (x *ndjsonRows[R]) row(r R) error {
	x.line = append(x.line[:0], '{')
	for i, col := range x.cols {
		if i > 0 {
			x.line = append(x.line, ',')
		}
		x.line = append(x.line, x.keys[i]...)
		x.val.Reset()
		if err := x.enc.Encode(jsonValue(col.value(r))); err != nil {
			return fmt.Errorf("column %s: %w", col.Name, err)
		}
		x.line = append(x.line, bytes.TrimSuffix(x.val.Bytes(), []byte("\n"))...)
	}
	x.line = append(x.line, '}', '\n')
	_, err := x.buf.Write(x.line)
	return err
}

func (x *ndjsonRows[R]) flush() error {
	if err := x.buf.Flush(); err != nil {
		return err
	}
	x.out.Flush()
	return nil
}

// jsonValue turns times into RFC 3339 strings (null when absent), as in the
// CSV; every other value marshals as it is.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.Format(time.RFC3339)
	case *time.Time:
		if x == nil {
			return nil
		}
		return x.Format(time.RFC3339)
	}
	return v
}

// exportDoc is one export as the data dictionary shows it.
type exportDoc struct {
	ID          string
	Title       string
	Description string
	Files       []exportFile
	Params      string
	Columns     []ColumnDoc
}

type exportFile struct {
	Format, URL string
}

func docsOf[R any](cols []ExportColumn[R]) []ColumnDoc {
	out := make([]ColumnDoc, len(cols))
	for i, c := range cols {
		out[i] = c.ColumnDoc
	}
	return out
}

type dataData struct {
	Exports       []exportDoc
	RubricVersion int
}

// dataPage is the data dictionary: the downloads and every column of each,
// rendered from the same column lists the exports write.
func (h *Handler) dataPage(c *gin.Context) {
	rubric, err := h.store.CurrentRubric(c.Request.Context())
	if err != nil {
		h.pageErr(c, err)
		return
	}
	d := dataData{RubricVersion: rubric.Version, Exports: []exportDoc{
		{ID: "scorecards", Title: "Scorecards",
			Description: "One row per jurisdiction and criterion of each jurisdiction's latest score run under a rubric version, ordered by jurisdiction code and then rubric order. Jurisdictions never scored under that version have no rows.",
			Files:       []exportFile{{"CSV", "/api/v1/export/scorecards.csv"}, {"NDJSON", "/api/v1/export/scorecards.ndjson"}},
			Params:      "rubric_version=N picks a rubric version (default: the current one); a version that does not exist answers 404.",
			Columns:     docsOf(ScorecardColumns)},
		{ID: "activities", Title: "Activities",
			Description: "One row per engagement activity, ordered by id, with where it was most recently read from. Activities staff rejected are left out.",
			Files:       []exportFile{{"CSV", "/api/v1/export/activities.csv"}, {"NDJSON", "/api/v1/export/activities.ndjson"}},
			Params:      "state=XX keeps the activities of one jurisdiction (postal code, e.g. OH).",
			Columns:     docsOf(ActivityColumns)},
	}}
	h.render(c, http.StatusOK, "data", page{Title: tr(langOf(c), "data.title"), Data: d})
}
