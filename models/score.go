package models

import (
	"math"
	"slices"
	"time"
)

// CriterionStatus says how a criterion's score came about.
type CriterionStatus string

// The criterion statuses. Only StatusScored carries a number; the others are
// left out of the weighted total so that "nothing found" is never confused
// with a judged 0.
const (
	StatusScored        CriterionStatus = "scored"
	StatusNoEvidence    CriterionStatus = "no_evidence"
	StatusNotApplicable CriterionStatus = "not_applicable"
	StatusNotScored     CriterionStatus = "not_scored"
)

// CriterionScore is the machine's proposed score for one criterion.
type CriterionScore struct {
	Key string `db:"criterion_key" json:"key"`
	// Status and Score are the published result: the machine's, or a
	// staff override's when one is in force.
	Status      CriterionStatus `db:"status" json:"status"`
	Score       *int            `db:"score" json:"score"`
	Rationale   string          `db:"rationale" json:"rationale"`
	EvidenceIDs Int64List       `db:"evidence_ids" json:"evidence_ids"`
	// MachineStatus and MachineScore are what the evidence alone gave,
	// shown beside an override.
	MachineStatus CriterionStatus `db:"machine_status" json:"machine_status"`
	MachineScore  *int            `db:"machine_score" json:"machine_score"`
	OverrideID    *int64          `db:"override_id" json:"-"`
	Override      *Override       `db:"-" json:"override"`
}

// Level is the band an overall score falls in.
type Level string

// The level bands over the overall score (0–100), documented on the
// methodology page: a total that covers less than half of the rubric's
// weight is reported as insufficient evidence, whatever its value.
const (
	LevelExemplary    Level = "exemplary"    // 80 and above
	LevelStrong       Level = "strong"       // 60 to under 80
	LevelDeveloping   Level = "developing"   // 40 to under 60
	LevelLimited      Level = "limited"      // 20 to under 40
	LevelMinimal      Level = "minimal"      // under 20
	LevelInsufficient Level = "insufficient" // coverage under MinCoverage
	LevelUnscored     Level = "unscored"     // no score run yet
)

// MinCoverage is the share of rubric weight (percent) a total must cover
// before it is given a level.
const MinCoverage = 50.0

// Levels lists the levels from best to worst, for legends.
var Levels = []Level{LevelExemplary, LevelStrong, LevelDeveloping, LevelLimited, LevelMinimal, LevelInsufficient, LevelUnscored}

// Label is the plain-language name of the level.
func (l Level) Label() string {
	switch l {
	case LevelInsufficient:
		return "Insufficient evidence"
	case LevelUnscored:
		return "Not yet scored"
	}
	return humanize(string(l))
}

// LevelFor returns the band of an overall score with its coverage.
func LevelFor(overall *float64, coverage float64) Level {
	switch {
	case overall == nil:
		return LevelUnscored
	case coverage < MinCoverage:
		return LevelInsufficient
	case *overall >= 80:
		return LevelExemplary
	case *overall >= 60:
		return LevelStrong
	case *overall >= 40:
		return LevelDeveloping
	case *overall >= 20:
		return LevelLimited
	}
	return LevelMinimal
}

// Scorecard is a jurisdiction's scores under one rubric version.
type Scorecard struct {
	ScoreRunID    int64     `db:"id" json:"score_run_id"`
	Jurisdiction  string    `db:"jurisdiction" json:"jurisdiction"`
	RubricVersion int       `db:"rubric_version" json:"rubric_version"`
	ComputedAt    time.Time `db:"computed_at" json:"computed_at"`
	Overall       *float64  `db:"overall" json:"overall"`
	Coverage      float64   `db:"coverage" json:"coverage"`
	Level         Level     `db:"level" json:"level"`
	EvidenceCount int       `db:"evidence_count" json:"evidence_count"`
	// EvidenceThrough is the newest change to the evidence the run read:
	// the scorecard was computed from everything collected up to then.
	EvidenceThrough *time.Time `db:"evidence_through" json:"evidence_through"`
	// Trigger says why the run was made: scrape, override, nightly, manual
	// or demo.
	Trigger  string           `db:"trigger" json:"trigger"`
	Demo     bool             `db:"demo" json:"demo"`
	Criteria []CriterionScore `db:"-" json:"criteria"`
	// Publication is set on a published scorecard: when it was published
	// and the state agency's reply.
	Publication *Publication `db:"-" json:"publication,omitempty"`
}

// Score is the scoring engine: a pure function from a rubric and one
// jurisdiction's activities to a scorecard. Criteria the engine has no rule
// for are reported as not scored. Activities staff rejected must be left out
// by the caller. It is ScoreWith without overrides or jurisdiction facts.
func Score(r Rubric, code string, acts []Activity, now time.Time) Scorecard {
	return ScoreWith(ScoreInput{Rubric: r, Jurisdiction: Jurisdiction{Code: code, FederallyRecognizedTribes: true},
		Activities: acts, Now: now})
}

// ScoreInput is everything a scorecard is computed from.
type ScoreInput struct {
	Rubric       Rubric
	Jurisdiction Jurisdiction
	Activities   []Activity
	// Overrides in force, by criterion key.
	Overrides map[string]Override
	Now       time.Time
}

// ScoreWith computes a scorecard. The machine scores each criterion from the
// evidence; the tribal criterion is not applicable where the jurisdiction
// has no federally recognized tribes; an override in force replaces the
// published score while the machine's stays beside it. Criteria without a
// score (no evidence, not scored, not applicable) are left out of the
// weighted total, and coverage says how much of the weight it rests on.
func ScoreWith(in ScoreInput) Scorecard {
	// A cancelled activity never happened: it is evidence of nothing.
	in.Activities = slices.DeleteFunc(slices.Clone(in.Activities), func(a Activity) bool {
		return a.Status == StatusCancelled
	})
	r := in.Rubric
	card := Scorecard{
		Jurisdiction:  in.Jurisdiction.Code,
		RubricVersion: r.Version,
		ComputedAt:    in.Now,
		EvidenceCount: len(in.Activities),
		Criteria:      make([]CriterionScore, 0, len(r.Criteria)),
	}
	var weighted, scoredWeight, applicableWeight float64
	for _, c := range r.Criteria {
		cs := machineScore(c.Key, in)
		cs.MachineStatus, cs.MachineScore = cs.Status, cs.Score
		if o, ok := in.Overrides[c.Key]; ok && o.Kind != OverrideCleared {
			o := o
			cs.Override, cs.OverrideID = &o, &o.ID
			score := o.Score
			if o.Kind == OverrideNoneFound {
				score = 0
			}
			cs.Status, cs.Score = StatusScored, &score
		}
		if cs.Status != StatusNotApplicable {
			applicableWeight += float64(c.Weight)
		}
		if cs.Status == StatusScored {
			weighted += float64(c.Weight) * float64(*cs.Score) / 4
			scoredWeight += float64(c.Weight)
		}
		card.Criteria = append(card.Criteria, cs)
	}
	for _, a := range in.Activities {
		card.Demo = card.Demo || a.Demo
		if card.EvidenceThrough == nil || a.UpdatedAt.After(*card.EvidenceThrough) {
			t := a.UpdatedAt
			card.EvidenceThrough = &t
		}
	}
	if scoredWeight > 0 {
		overall := round1(100 * weighted / scoredWeight)
		card.Overall = &overall
	}
	if applicableWeight > 0 {
		card.Coverage = round1(100 * scoredWeight / applicableWeight)
	}
	card.Level = LevelFor(card.Overall, card.Coverage)
	return card
}

// machineScore is the engine's own score of one criterion.
func machineScore(key string, in ScoreInput) CriterionScore {
	if key == "tribal" && !in.Jurisdiction.FederallyRecognizedTribes {
		return CriterionScore{Key: key, Status: StatusNotApplicable, EvidenceIDs: Int64List{},
			Rationale: "Not applicable: no federally recognized tribe has land or headquarters in this jurisdiction."}
	}
	rule, ok := criterionRules[key]
	if !ok {
		return CriterionScore{Key: key, Status: StatusNotScored, EvidenceIDs: Int64List{},
			Rationale: "Heard does not score this criterion from collected evidence yet."}
	}
	cs := rule(in.Activities)
	cs.Key = key
	if cs.EvidenceIDs == nil {
		cs.EvidenceIDs = Int64List{}
	}
	return cs
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
