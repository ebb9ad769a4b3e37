package models

import "slices"

// AudienceGroup is a stakeholder group from DOMAIN.md's controlled
// vocabulary: the statutory list of ESSA §1111(a)(1)(A) plus the groups of
// 34 CFR 299.15(a).
type AudienceGroup string

// The audience groups, in the order DOMAIN.md lists them.
const (
	GroupGovernor          AudienceGroup = "governor"
	GroupLegislature       AudienceGroup = "legislature"
	GroupStateBoard        AudienceGroup = "state_board"
	GroupLEA               AudienceGroup = "lea"
	GroupRuralLEA          AudienceGroup = "rural_lea"
	GroupTribes            AudienceGroup = "tribes"
	GroupTeachers          AudienceGroup = "teachers"
	GroupPrincipals        AudienceGroup = "principals"
	GroupSchoolLeaders     AudienceGroup = "school_leaders"
	GroupCharterLeaders    AudienceGroup = "charter_leaders"
	GroupSupportPersonnel  AudienceGroup = "support_personnel"
	GroupParaprofessionals AudienceGroup = "paraprofessionals"
	GroupAdministrators    AudienceGroup = "administrators"
	GroupOtherStaff        AudienceGroup = "other_staff"
	GroupParents           AudienceGroup = "parents"
	GroupStudents          AudienceGroup = "students"
	GroupCommunityOrgs     AudienceGroup = "community_orgs"
	GroupCivilRights       AudienceGroup = "civil_rights"
	GroupDisabilityAdv     AudienceGroup = "disability_advocates"
	GroupELAdvocates       AudienceGroup = "el_advocates"
	GroupHigherEd          AudienceGroup = "higher_ed"
	GroupEmployers         AudienceGroup = "employers"
	GroupPrivateSchools    AudienceGroup = "private_schools"
	GroupEarlyChildhood    AudienceGroup = "early_childhood"
	GroupPublic            AudienceGroup = "public"
)

// AudienceGroups lists every audience group.
var AudienceGroups = []AudienceGroup{
	GroupGovernor, GroupLegislature, GroupStateBoard, GroupLEA, GroupRuralLEA,
	GroupTribes, GroupTeachers, GroupPrincipals, GroupSchoolLeaders,
	GroupCharterLeaders, GroupSupportPersonnel, GroupParaprofessionals,
	GroupAdministrators, GroupOtherStaff, GroupParents, GroupStudents,
	GroupCommunityOrgs, GroupCivilRights, GroupDisabilityAdv, GroupELAdvocates,
	GroupHigherEd, GroupEmployers, GroupPrivateSchools, GroupEarlyChildhood,
	GroupPublic,
}

// StatutoryGroups are the groups ESSA §1111(a)(1)(A) names; the groups
// criterion weighs them above the good-practice groups of 34 CFR 299.15(a).
var StatutoryGroups = []AudienceGroup{
	GroupGovernor, GroupLegislature, GroupStateBoard, GroupLEA, GroupRuralLEA,
	GroupTribes, GroupTeachers, GroupPrincipals, GroupSchoolLeaders,
	GroupCharterLeaders, GroupSupportPersonnel, GroupParaprofessionals,
	GroupAdministrators, GroupOtherStaff, GroupParents,
}

var groupLabels = map[AudienceGroup]string{
	GroupGovernor: "the Governor", GroupLegislature: "state legislators",
	GroupStateBoard: "the state board of education", GroupLEA: "school districts",
	GroupRuralLEA: "rural school districts", GroupTribes: "tribal representatives",
	GroupTeachers: "teachers", GroupPrincipals: "principals",
	GroupSchoolLeaders: "other school leaders", GroupCharterLeaders: "charter school leaders",
	GroupSupportPersonnel:  "specialized instructional support personnel",
	GroupParaprofessionals: "paraprofessionals", GroupAdministrators: "administrators",
	GroupOtherStaff: "other school staff", GroupParents: "parents",
	GroupStudents: "students", GroupCommunityOrgs: "community-based organizations",
	GroupCivilRights: "civil-rights organizations", GroupDisabilityAdv: "disability advocates",
	GroupELAdvocates: "English learner advocates", GroupHigherEd: "higher education",
	GroupEmployers: "employers", GroupPrivateSchools: "private-school representatives",
	GroupEarlyChildhood: "early-childhood educators", GroupPublic: "the general public",
}

// Label is the plain-language name of the group, for rationales and pages.
func (g AudienceGroup) Label() string {
	if l, ok := groupLabels[g]; ok {
		return l
	}
	return string(g)
}

// Valid reports whether g is in the vocabulary.
func (g AudienceGroup) Valid() bool { return slices.Contains(AudienceGroups, g) }

// ActivityType is the kind of an engagement activity.
type ActivityType string

// The activity types of DOMAIN.md.
const (
	TypePublicMeeting        ActivityType = "public_meeting"
	TypeListeningSession     ActivityType = "listening_session"
	TypeTownHall             ActivityType = "town_hall"
	TypeWebinar              ActivityType = "webinar"
	TypeSurvey               ActivityType = "survey"
	TypeFocusGroup           ActivityType = "focus_group"
	TypeAdvisoryMeeting      ActivityType = "advisory_meeting"
	TypeCommentPeriod        ActivityType = "comment_period"
	TypeWrittenComment       ActivityType = "written_comment"
	TypeFeedbackSummary      ActivityType = "feedback_summary"
	TypeDraftPosted          ActivityType = "draft_posted"
	TypePlanSubmitted        ActivityType = "plan_submitted"
	TypeGovernorConsultation ActivityType = "governor_consultation"
	TypeTribalConsultation   ActivityType = "tribal_consultation"
	TypeBoardMeeting         ActivityType = "board_meeting"
	TypeOther                ActivityType = "other"
)

// ActivityTypes lists every activity type.
var ActivityTypes = []ActivityType{
	TypePublicMeeting, TypeListeningSession, TypeTownHall, TypeWebinar,
	TypeSurvey, TypeFocusGroup, TypeAdvisoryMeeting, TypeCommentPeriod,
	TypeWrittenComment, TypeFeedbackSummary, TypeDraftPosted, TypePlanSubmitted,
	TypeGovernorConsultation, TypeTribalConsultation, TypeBoardMeeting, TypeOther,
}

// ParticipationTypes are the activity types through which a stakeholder can
// take part (rather than read or be told); the modes criterion counts them.
var ParticipationTypes = []ActivityType{
	TypePublicMeeting, TypeListeningSession, TypeTownHall, TypeWebinar,
	TypeSurvey, TypeFocusGroup, TypeAdvisoryMeeting, TypeCommentPeriod,
	TypeWrittenComment, TypeTribalConsultation, TypeBoardMeeting,
}

// Valid reports whether t is in the vocabulary.
func (t ActivityType) Valid() bool { return slices.Contains(ActivityTypes, t) }

// Label is the plain-language name of the type.
func (t ActivityType) Label() string { return humanize(string(t)) }

// PlanPhase is the stage of the state plan an activity belongs to.
type PlanPhase string

// The plan phases, in the order a plan moves through them.
const (
	PhasePreDraft       PlanPhase = "pre_draft"
	PhaseDraft          PlanPhase = "draft"
	PhaseComment        PlanPhase = "comment"
	PhaseSubmitted      PlanPhase = "submitted"
	PhaseImplementation PlanPhase = "implementation"
	PhaseAmendment      PlanPhase = "amendment"
)

// PlanPhases lists every phase in order.
var PlanPhases = []PlanPhase{
	PhasePreDraft, PhaseDraft, PhaseComment, PhaseSubmitted,
	PhaseImplementation, PhaseAmendment,
}

// Valid reports whether p is in the vocabulary.
func (p PlanPhase) Valid() bool { return slices.Contains(PlanPhases, p) }

// Label is the plain-language name of the phase.
func (p PlanPhase) Label() string { return humanize(string(p)) }

// ActivityStatus says whether an activity is still to come, took place, or
// was called off.
type ActivityStatus string

// The activity statuses.
const (
	StatusScheduled ActivityStatus = "scheduled"
	StatusHeld      ActivityStatus = "held"
	StatusCancelled ActivityStatus = "cancelled"
	StatusUnknown   ActivityStatus = "unknown"
)

// SourceKind is the format a source is read as.
type SourceKind string

// The source kinds.
const (
	KindHTML SourceKind = "html"
	KindRSS  SourceKind = "rss"
	KindAtom SourceKind = "atom"
	KindICal SourceKind = "ical"
	KindPDF  SourceKind = "pdf"
)

// SourceKinds lists every source kind.
var SourceKinds = []SourceKind{KindHTML, KindRSS, KindAtom, KindICal, KindPDF}

// Language codes Heard recognises, ISO 639-1 (639-3 where there is none).
var languageNames = map[string]string{
	"en": "English", "es": "Spanish", "zh": "Chinese", "vi": "Vietnamese",
	"ar": "Arabic", "so": "Somali", "ht": "Haitian Creole", "ko": "Korean",
	"ru": "Russian", "pt": "Portuguese", "tl": "Tagalog", "hmn": "Hmong",
	"fr": "French", "ne": "Nepali", "sw": "Swahili", "ilo": "Ilocano",
	"ypk": "Yup'ik", "nv": "Navajo", "mh": "Marshallese", "chk": "Chuukese",
	"asl": "American Sign Language",
}

// LanguageName is the English name of a language code.
func LanguageName(code string) string {
	if n, ok := languageNames[code]; ok {
		return n
	}
	return code
}

// LanguageCodes lists the language codes Heard recognises, sorted.
func LanguageCodes() []string {
	codes := make([]string, 0, len(languageNames))
	for c := range languageNames {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

func humanize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '_' {
			b[i] = ' '
		}
	}
	if len(b) > 0 && b[0] >= 'a' && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	return string(b)
}

// Feature is an observed quality of an activity that a criterion reads, such
// as a posted recording or an evening start. Extraction sets them; scoring
// counts them.
type Feature string

// The features.
const (
	FeatureRecording         Feature = "recording"
	FeatureMinutes           Feature = "minutes"
	FeatureResponseToComment Feature = "response_to_comments"
	FeaturePlainSummary      Feature = "plain_summary"
	FeatureFAQ               Feature = "faq"
	FeatureVideo             Feature = "video"
	FeatureAccommodation     Feature = "accommodation"
	FeatureCaptions          Feature = "captions"
	FeatureAccessibleDocs    Feature = "accessible_documents"
	FeatureEvening           Feature = "evening"
	FeatureWeekend           Feature = "weekend"
	FeatureRural             Feature = "rural"
	FeatureRoster            Feature = "roster"
	FeatureAdvanceNotice     Feature = "advance_notice"
)

// Features lists every feature.
var Features = []Feature{
	FeatureRecording, FeatureMinutes, FeatureResponseToComment,
	FeaturePlainSummary, FeatureFAQ, FeatureVideo, FeatureAccommodation,
	FeatureCaptions, FeatureAccessibleDocs, FeatureEvening, FeatureWeekend,
	FeatureRural, FeatureRoster, FeatureAdvanceNotice,
}
