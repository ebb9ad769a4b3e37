package models

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// CorrectionInput is a staff correction of the machine's classification
// of an activity. A nil field is left as it is; the reason is required.
type CorrectionInput struct {
	Type           *ActivityType   `json:"activity_type,omitempty"`
	Phase          *PlanPhase      `json:"plan_phase,omitempty"`
	Status         *ActivityStatus `json:"status,omitempty"`
	AudienceGroups *StringList     `json:"audience_groups,omitempty"`
	Features       *StringList     `json:"features,omitempty"`
	Languages      *StringList     `json:"languages,omitempty"`
	Interpretation *bool           `json:"interpretation,omitempty"`
	Remote         *bool           `json:"remote,omitempty"`
	Reason         string          `json:"reason,omitempty"`
}

// correctable lists the fields a correction may set, by column name, in the
// order rules and pages show them.
var correctable = []string{"activity_type", "plan_phase", "status", "audience_groups", "features",
	"languages", "interpretation", "remote"}

// Validate checks a correction against the vocabularies.
func (in CorrectionInput) Validate() error {
	fields := map[string]string{}
	if in.Type != nil && !in.Type.Valid() {
		fields["activity_type"] = fmt.Sprintf("unknown type %q", *in.Type)
	}
	if in.Phase != nil && !in.Phase.Valid() {
		fields["plan_phase"] = fmt.Sprintf("unknown phase %q", *in.Phase)
	}
	if in.Status != nil && !slices.Contains([]ActivityStatus{StatusScheduled, StatusHeld, StatusCancelled, StatusUnknown}, *in.Status) {
		fields["status"] = fmt.Sprintf("unknown status %q", *in.Status)
	}
	if in.AudienceGroups != nil {
		for _, g := range *in.AudienceGroups {
			if !AudienceGroup(g).Valid() {
				fields["audience_groups"] = fmt.Sprintf("unknown group %q", g)
			}
		}
	}
	if in.Features != nil {
		for _, f := range *in.Features {
			if !slices.Contains(Features, Feature(f)) {
				fields["features"] = fmt.Sprintf("unknown feature %q", f)
			}
		}
	}
	if in.Languages != nil {
		for _, l := range *in.Languages {
			if !slices.Contains(LanguageCodes(), l) {
				fields["languages"] = fmt.Sprintf("unknown language code %q", l)
			}
		}
	}
	if in.fieldsSet() == 0 {
		fields["fields"] = "name at least one field to correct: " + strings.Join(correctable, ", ")
	}
	if strings.TrimSpace(in.Reason) == "" {
		fields["reason"] = "is required: say why the machine was wrong"
	} else if len(in.Reason) > 2000 {
		fields["reason"] = "must be at most 2,000 characters"
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

func (in CorrectionInput) fieldsSet() int {
	m, _ := in.asMap()
	return len(m)
}

// asMap is the correction's fields by column name, without the reason.
func (in CorrectionInput) asMap() (map[string]json.RawMessage, error) {
	in.Reason = ""
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	return out, json.Unmarshal(b, &out)
}

// applyCorrections sets the corrected fields, a JSON object as stored in
// activities.corrections, over what the machine read, and names each in
// rules so that the record says whose value it shows.
func (a *Activity) applyCorrections(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "{}" || string(raw) == "null" {
		return nil
	}
	var in CorrectionInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return fmt.Errorf("corrections of activity %s: %w", a.DedupeKey, err)
	}
	a.Rules = maps.Clone(a.Rules)
	if a.Rules == nil {
		a.Rules = JSONMap{}
	}
	set := func(field string) { a.Rules[field] = "staff correction" }
	if in.Type != nil {
		a.Type = *in.Type
		set("activity_type")
	}
	if in.Phase != nil {
		a.Phase = *in.Phase
		set("plan_phase")
	}
	if in.Status != nil {
		a.Status = *in.Status
		set("status")
	}
	if in.AudienceGroups != nil {
		a.AudienceGroups = slices.Clone(*in.AudienceGroups)
		set("audience_groups")
	}
	if in.Features != nil {
		a.Features = slices.Clone(*in.Features)
		set("features")
	}
	if in.Languages != nil {
		a.Languages = slices.Clone(*in.Languages)
		set("languages")
	}
	if in.Interpretation != nil {
		a.Interpretation = *in.Interpretation
		set("interpretation")
	}
	if in.Remote != nil {
		a.Remote = *in.Remote
		set("remote")
	}
	return nil
}

// Correction is one staff correction as kept: the fields set, the
// machine's values they replaced, who and why.
type Correction struct {
	ID         int64           `db:"id" json:"id"`
	ActivityID int64           `db:"activity_id" json:"activity_id"`
	Fields     json.RawMessage `db:"fields" json:"fields"`
	Machine    json.RawMessage `db:"machine" json:"machine"`
	Reason     string          `db:"reason" json:"reason"`
	Author     string          `db:"author" json:"author"`
	CreatedAt  time.Time       `db:"created_at" json:"created_at"`
}

// CorrectActivity corrects an activity's classification: the fields are
// set now and kept, so later scrapes apply them over what they read; the
// machine's values are kept with the correction and in the history; the
// record counts as reviewed and accepted. It runs in a transaction (the
// caller's, when it has one).
func (s *Store) CorrectActivity(ctx context.Context, id int64, in CorrectionInput, author string, at time.Time) (before, after Activity, c Correction, err error) {
	err = s.InTx(ctx, func(tx *Store) error {
		before, after, c, err = tx.correctActivity(ctx, id, in, author, at)
		return err
	})
	return before, after, c, err
}

func (s *Store) correctActivity(ctx context.Context, id int64, in CorrectionInput, author string, at time.Time) (before, after Activity, c Correction, err error) {
	if err := in.Validate(); err != nil {
		return before, after, c, err
	}
	if err := s.q.GetContext(ctx, &before, `SELECT `+activityColumns+` FROM activities WHERE id = $1 FOR UPDATE`, id); err != nil {
		return before, after, c, wrapErr(fmt.Sprintf("activity %d", id), err)
	}
	fields, err := in.asMap()
	if err != nil {
		return before, after, c, err
	}
	var beforeJSON map[string]json.RawMessage
	var rowJSON []byte
	if err := s.q.GetContext(ctx, &rowJSON, `SELECT to_jsonb(a) FROM activities a WHERE id = $1`, id); err != nil {
		return before, after, c, wrapErr(fmt.Sprintf("activity %d", id), err)
	}
	if err := json.Unmarshal(rowJSON, &beforeJSON); err != nil {
		return before, after, c, err
	}
	machine := map[string]json.RawMessage{}
	for k := range fields {
		machine[k] = beforeJSON[k]
	}
	// The new correction joins those already in force.
	merged := map[string]json.RawMessage{}
	if len(before.Corrections) > 0 {
		if err := json.Unmarshal(before.Corrections, &merged); err != nil {
			return before, after, c, fmt.Errorf("corrections of activity %d: %w", id, err)
		}
	}
	for k, v := range fields {
		merged[k] = v
	}
	mergedJSON, err := json.Marshal(merged)
	if err != nil {
		return before, after, c, err
	}
	next := before
	if err := next.applyCorrections(mergedJSON); err != nil {
		return before, after, c, err
	}
	if err := next.Validate(); err != nil {
		return before, after, c, err
	}
	fieldsJSON, _ := json.Marshal(fields)
	machineJSON, _ := json.Marshal(machine)
	err = s.q.GetContext(ctx, &c, `
		INSERT INTO activity_corrections (activity_id, fields, machine, reason, author, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING id, activity_id, fields, machine, reason, author, created_at`,
		id, fieldsJSON, machineJSON, strings.TrimSpace(in.Reason), author, at)
	if err != nil {
		return before, after, c, wrapErr("store correction", err)
	}
	_, err = s.q.ExecContext(ctx, `
		UPDATE activities SET activity_type = $2, plan_phase = $3, status = $4, audience_groups = $5,
			features = $6, languages = $7, interpretation = $8, remote = $9, rules = $10,
			corrections = $11, content_hash = $12, updated_at = $13,
			review_status = 'accepted', reviewed_by = $14, reviewed_at = $13, review_reason = $15
		WHERE id = $1`,
		id, next.Type, next.Phase, next.Status, next.AudienceGroups, next.Features, next.Languages,
		next.Interpretation, next.Remote, next.Rules, mergedJSON, next.Hash(), at, author,
		"corrected: "+strings.TrimSpace(in.Reason))
	if err != nil {
		return before, after, c, wrapErr(fmt.Sprintf("correct activity %d", id), err)
	}
	if err := s.insertHistory(ctx, id, nil, at, "corrected",
		fmt.Sprintf("corrected by %s: %s", author, strings.TrimSpace(in.Reason)), machine, fields); err != nil {
		return before, after, c, err
	}
	after, err = s.ActivityByID(ctx, id)
	return before, after, c, err
}

// CorrectionsOf lists an activity's corrections, newest first.
func (s *Store) CorrectionsOf(ctx context.Context, id int64) ([]Correction, error) {
	out := []Correction{}
	err := s.q.SelectContext(ctx, &out, `SELECT id, activity_id, fields, machine, reason, author, created_at
		FROM activity_corrections WHERE activity_id = $1 ORDER BY created_at DESC, id DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("corrections of activity %d: %w", id, err)
	}
	return out, nil
}

// DeleteActivity soft-deletes an activity: it is kept with its provenance
// and history, and left out of public lists and scoring until an admin
// restores it. Deleting needs a reason.
func (s *Store) DeleteActivity(ctx context.Context, id int64, reason, actor string, at time.Time) (Activity, error) {
	if strings.TrimSpace(reason) == "" {
		return Activity{}, &ValidationError{Fields: map[string]string{"reason": "is required to delete"}}
	}
	var a Activity
	err := s.InTx(ctx, func(tx *Store) error {
		res, err := tx.q.ExecContext(ctx, `UPDATE activities SET deleted_at = $2, deleted_by = $3, delete_reason = $4
			WHERE id = $1 AND deleted_at IS NULL`, id, at, actor, strings.TrimSpace(reason))
		if err != nil {
			return wrapErr(fmt.Sprintf("delete activity %d", id), err)
		}
		a, err = tx.afterSoftChange(ctx, res, id, at, "deleted", fmt.Sprintf("deleted by %s: %s", actor, strings.TrimSpace(reason)))
		return err
	})
	return a, err
}

// RestoreActivity undoes a soft deletion.
func (s *Store) RestoreActivity(ctx context.Context, id int64, actor string, at time.Time) (Activity, error) {
	var a Activity
	err := s.InTx(ctx, func(tx *Store) error {
		res, err := tx.q.ExecContext(ctx, `UPDATE activities SET deleted_at = NULL, deleted_by = NULL, delete_reason = ''
			WHERE id = $1 AND deleted_at IS NOT NULL`, id)
		if err != nil {
			return wrapErr(fmt.Sprintf("restore activity %d", id), err)
		}
		a, err = tx.afterSoftChange(ctx, res, id, at, "undeleted", "restored by "+actor)
		return err
	})
	return a, err
}

// afterSoftChange records a deletion or restoration in the history; a
// statement that changed nothing is ErrNotFound for a missing activity and
// ErrWrongState for one already in the state asked for.
func (s *Store) afterSoftChange(ctx context.Context, res interface{ RowsAffected() (int64, error) }, id int64, at time.Time, kind, note string) (Activity, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return Activity{}, err
	}
	a, err := s.ActivityByID(ctx, id)
	if err != nil {
		return a, err
	}
	if n == 0 {
		return a, fmt.Errorf("activity %d is already %s: %w", id, kind, ErrWrongState)
	}
	deleted := kind == "deleted"
	if err := s.insertHistory(ctx, id, nil, at, kind, note,
		map[string]bool{"deleted": !deleted}, map[string]bool{"deleted": deleted}); err != nil {
		return a, err
	}
	return a, nil
}
