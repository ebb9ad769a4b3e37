package scrapers

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"heard/models"
)

// rule maps wording to one value of a vocabulary. Keywords are phrases
// matched on word boundaries in lower-cased text (a trailing "*" allows any
// ending: "survey*" takes "surveys"); patterns hold phrasings a phrase
// cannot; unless lists phrases whose words must not count ("members of the
// public" is no roster). The rule's name in Activity.Rules is
// prefix:keyword:<the keyword> or prefix:pattern:<the pattern's name>.
type rule[T any] struct {
	value    T
	keywords []string
	patterns []namedPattern
	unless   []string
}

type namedPattern struct {
	name string
	re   *regexp.Regexp
}

func pattern(name, expr string) namedPattern {
	return namedPattern{name: name, re: regexp.MustCompile(expr)}
}

// match reports the name of what matched in normalized text, "" if nothing.
func (r rule[T]) match(s string) string {
	for _, u := range r.unless {
		s = strings.ReplaceAll(s, u, " | ")
	}
	for _, k := range r.keywords {
		if hasPhrase(s, k) {
			return "keyword:" + strings.TrimSuffix(k, "*")
		}
	}
	for _, p := range r.patterns {
		if p.re.MatchString(s) {
			return "pattern:" + p.name
		}
	}
	return ""
}

// firstMatch returns the first rule of the ordered table that matches.
func firstMatch[T any](rules []rule[T], s string) (T, string, bool) {
	for _, r := range rules {
		if name := r.match(s); name != "" {
			return r.value, name, true
		}
	}
	var zero T
	return zero, "", false
}

// hasPhrase finds kw in s on word boundaries; a trailing "*" lifts the
// boundary at its end.
func hasPhrase(s, kw string) bool {
	prefix := strings.HasSuffix(kw, "*")
	kw = strings.TrimSuffix(kw, "*")
	if kw == "" {
		return false
	}
	for from := 0; from <= len(s); {
		i := strings.Index(s[from:], kw)
		if i < 0 {
			return false
		}
		i += from
		j := i + len(kw)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[j:])
		if (i == 0 || !isWordRune(before)) && (prefix || j == len(s) || !isWordRune(after)) {
			return true
		}
		from = i + 1
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// typeRules decide the activity type; the first that matches wins, so the
// specific kinds (a summary of comments, a tribal consultation) come before
// the general ones their wording also contains (comments, a meeting).
var typeRules = []rule[models.ActivityType]{
	{value: models.TypeFeedbackSummary, keywords: []string{
		"what we heard", "what we've heard", "what we learned", "summary of public comment*",
		"summary of comment*", "summary of stakeholder*", "stakeholder feedback report", "feedback report",
		"engagement report", "engagement summary", "response to comments", "responses to comments",
		"response to public comment*", "responses to public comment*", "lo que escuchamos",
		"resumen de los comentarios", "resumen de comentarios",
	}},
	{value: models.TypePlanSubmitted, keywords: []string{
		"submitted to the u.s. department of education", "submitted to the us department of education",
		"submits state plan", "submits consolidated state plan", "submits essa plan", "submitted its plan",
		"plan submitted", "submits plan", "submits amended plan", "submits revised plan",
	}, patterns: []namedPattern{
		pattern("submits-plan", `\bsubmit(s|ted)\s+(its\s+|the\s+|an\s+|a\s+)?((amended|revised|updated|final|consolidated|essa|state)\s+)*plan\b`),
	}},
	{value: models.TypeTribalConsultation, keywords: []string{
		"tribal consultation*", "consultation with tribes", "consultation with tribal", "consulta tribal",
		"government-to-government", "meeting with tribal", "tribal leaders meeting",
	}},
	{value: models.TypeGovernorConsultation, keywords: []string{
		"governor consultation", "governor's consultation", "consultation with the governor",
		"consult with the governor", "consulted with the governor", "consults governor",
		"consults with governor", "meeting with the governor", "governor's review", "sent to the governor",
		"shared with the governor", "governor's signature", "governor sign-off", "governor's sign-off",
		"consulta con el gobernador",
	}},
	{value: models.TypeCommentPeriod, keywords: []string{
		"public comment*", "comment period", "comments due", "comments are due", "submit comments",
		"submit your comments", "comment window", "open for comment", "opens for comment", "accepting comments",
		"invites comment*", "comentarios públicos", "comentario público", "comentarios publicos",
		"periodo de comentarios", "período de comentarios", "envíe sus comentarios", "envie sus comentarios",
	}},
	{value: models.TypeWrittenComment, keywords: []string{
		"written comment*", "written testimony", "written feedback", "email your comments",
		"comments may be emailed", "comments by email", "comment form", "input form", "feedback form",
		"comentarios por escrito",
	}},
	{value: models.TypeDraftPosted, keywords: []string{"borrador"}, patterns: []namedPattern{
		pattern("draft-released", `\bdraft\b(?:[^.;:]|[.:]\d){0,60}\b(released|posted|available|published|now online)\b`),
		pattern("releases-draft", `\b(releases?|released|posts?|posted|publishes|published)\s+(the\s+|its\s+|a\s+)?(revised\s+|second\s+|first\s+|updated\s+)?draft\b`),
	}},
	{value: models.TypeTownHall, keywords: []string{
		"town hall*", "townhall*", "community forum*", "stakeholder forum*", "family forum*", "public forum*",
		"engagement forum*", "foro comunitario", "foros comunitarios",
	}},
	{value: models.TypeListeningSession, keywords: []string{
		"listening session*", "listening tour", "sesión de escucha", "sesion de escucha",
		"sesiones de escucha", "community conversation*", "community session*", "family session*",
		"input night*",
	}},
	{value: models.TypeFocusGroup, keywords: []string{"focus group*", "grupo focal", "grupos focales"}},
	{value: models.TypeAdvisoryMeeting, keywords: []string{
		"advisory committee", "advisory council", "advisory group", "advisory panel", "task force",
		"work group", "workgroup", "working group", "committee of practitioners", "steering committee",
		"stakeholder committee", "committee meeting", "council meeting", "comité asesor", "consejo asesor",
	}},
	boardMeetingRule,
	{value: models.TypeWebinar, keywords: []string{"webinar*", "webcast", "seminario web", "virtual information session*"}},
	{value: models.TypeSurvey, keywords: []string{"survey*", "questionnaire", "encuesta*"}},
	{value: models.TypePublicMeeting, keywords: []string{
		"public meeting*", "public hearing*", "community meeting*", "regional meeting*", "stakeholder meeting*",
		"family meeting*", "parent meeting*",
		"information session*", "open house", "reunión pública", "reunion publica", "audiencia pública",
		"audiencia publica", "reunión comunitaria", "reuniones comunitarias",
	}},
}

// boardMeetingRule finds a meeting of a state board, however its platform
// words it: "State Board of Education Meeting", "Regular Meeting — State
// Board of Education", or a calendar entry named for the board alone.
var boardMeetingRule = rule[models.ActivityType]{value: models.TypeBoardMeeting, keywords: []string{"board meeting", "reunión de la junta"}, patterns: []namedPattern{
	pattern("board-of-education-meeting", `\b(state board|(state )?board of (education|regents|[a-z ]{0,30} education))\b[^.;]{0,60}\b(meeting|study session|work session|retreat)\b`),
	pattern("meeting-of-the-board", `\b(meeting|study session|work session|retreat)\b[^.;]{0,40}\b(state board|board of (education|regents|[a-z ]{0,30} education))\b`),
	pattern("board-name", `^(the )?(state )?board of (education|regents|[a-z ]{0,30} education)$`),
}}

// titleTypeRules type an item by its title: a title naming a meeting of
// the board is a board meeting whatever its agenda lists ("State Board of
// Education Meeting (accountability update; public comment)").
var titleTypeRules = slices.Concat([]rule[models.ActivityType]{boardMeetingRule}, typeRules)

// engagementWords mark an item as asking for or reporting input even when
// no activity type matched it.
var engagementWords = rule[bool]{value: true, keywords: []string{
	"stakeholder*", "input", "feedback", "consultation", "consult*", "engagement", "listening",
	"hear from", "share your", "have your say", "participate", "comment*", "comentarios", "opinión",
	"participe", "participar", "aportes",
}}

// topicWords keep engagement on education policy and drop engagement on
// highways or hunting seasons.
var topicWords = rule[bool]{value: true, keywords: []string{
	"essa", "every student succeeds", "state plan", "consolidated plan", "accountability", "title i",
	"school*", "student*", "education*", "educator*", "teacher*", "district*", "report card*",
	"escuela*", "educación", "educacion", "estudiantes", "plan estatal", "maestros", "learner*",
	"committee of practitioners", "board of education", "state board", "superintendent*", "title iii",
	"leas", "local educational agenc*", "local education agenc*", "rendición de cuentas", "rendicion de cuentas",
	// School transport rules are not education policy input.
}, unless: []string{"school bus", "school buses"}}

// groupRules add every audience group whose wording appears.
var groupRules = []rule[models.AudienceGroup]{
	{value: models.GroupGovernor, keywords: []string{"governor*", "gobernador*"}, unless: []string{"lieutenant governor"}},
	{value: models.GroupLegislature, keywords: []string{"legislators", "legislature", "lawmakers", "legislative", "general assembly", "state senators", "legisladores"}},
	{value: models.GroupStateBoard, keywords: []string{"state board", "board of regents", "junta estatal"}},
	{value: models.GroupLEA, keywords: []string{
		"superintendents", "superintendent", "district leaders", "leas", "school districts", "local education agencies",
		"local educational agencies", "district administrators", "superintendentes", "distritos escolares",
	}, unless: []string{"state superintendent"}},
	{value: models.GroupRuralLEA, keywords: []string{"rural district*", "rural school*", "rural leas", "small and rural", "rural superintendents", "rural educators", "distritos rurales"}},
	{value: models.GroupTribes, keywords: []string{"tribal", "tribes", "tribal leaders", "tribal nations", "american indian", "alaska native", "native american", "tribus"}},
	{value: models.GroupTeachers, keywords: []string{"teachers", "teacher", "educators", "maestros", "docentes"}, unless: []string{"teacher of the year", "early childhood educators"}},
	{value: models.GroupPrincipals, keywords: []string{"principals", "principal", "directores escolares"}, unless: []string{"principal investigator"}},
	{value: models.GroupSchoolLeaders, keywords: []string{"school leaders", "school leader", "building leaders", "líderes escolares"}},
	{value: models.GroupCharterLeaders, keywords: []string{"charter school*", "charter leaders", "charter operators", "escuelas chárter"}},
	{value: models.GroupSupportPersonnel, keywords: []string{
		"counselors", "school counselors", "school psychologists", "social workers", "specialized instructional support",
		"school nurses", "consejeros",
	}},
	{value: models.GroupParaprofessionals, keywords: []string{"paraprofessional*", "paraeducator*", "paraprofesionales"}},
	{value: models.GroupAdministrators, keywords: []string{"administrators", "administradores"}},
	{value: models.GroupOtherStaff, keywords: []string{"school staff", "other staff", "classified staff", "support staff", "school employees", "personal escolar"}},
	{value: models.GroupParents, keywords: []string{"parents", "parent", "families", "family", "caregivers", "guardians", "padres", "familias"}},
	{value: models.GroupStudents, keywords: []string{"students", "youth", "student voice", "student leaders", "estudiantes", "jóvenes", "alumnos"},
		unless: []string{"all students", "every student", "students with disabilities", "student achievement", "student outcomes", "students' needs", "student success", "student performance"}},
	{value: models.GroupCommunityOrgs, keywords: []string{
		"community organizations", "community-based organizations", "community based organizations", "community partners",
		"nonprofit*", "faith-based", "faith leaders", "organizaciones comunitarias",
	}},
	{value: models.GroupCivilRights, keywords: []string{"civil rights", "civil-rights", "derechos civiles"}, unless: []string{"civil rights act", "office for civil rights"}},
	{value: models.GroupDisabilityAdv, keywords: []string{
		"disability advocates", "disability rights", "disability organizations", "disability community",
		"special education advocates", "special education parents", "students with disabilities",
		"children with disabilities", "disabilities advocates",
	}},
	{value: models.GroupELAdvocates, keywords: []string{"english learner*", "english language learner*", "multilingual learner*", "el advocates", "estudiantes de inglés"}},
	// Plurals and roles, not a venue's name ("Sinclair Community College").
	{value: models.GroupHigherEd, keywords: []string{
		"higher education", "universities", "colleges", "community colleges", "educator preparation",
		"university faculty", "college faculty", "institutions of higher education", "universidades",
	},
		unless: []string{"college and career", "college- and career", "college-ready"}},
	{value: models.GroupEmployers, keywords: []string{"employers", "business leaders", "business community", "business owners", "business partners", "business representatives", "businesses", "chamber of commerce", "workforce partners", "workforce boards", "empleadores"}},
	{value: models.GroupPrivateSchools, keywords: []string{"private school*", "nonpublic school*", "non-public school*", "escuelas privadas"}},
	{value: models.GroupEarlyChildhood, keywords: []string{"early childhood", "pre-k", "prekindergarten", "pre-kindergarten", "child care", "childcare", "head start", "primera infancia"},
		// Child care offered so parents can attend is not outreach to providers.
		unless: []string{"child care and", "child care provided", "child care will be", "child care is", "childcare and", "childcare provided", "childcare will be", "childcare is", "free child care", "free childcare"}},
	{value: models.GroupPublic, keywords: []string{
		"the public", "all stakeholders", "open to the public", "community members", "general public", "everyone",
		"members of the public", "all residents", "público", "toda la comunidad",
	}},
}

// featureRules add every feature whose wording appears; evening and weekend
// come from the start time instead.
var featureRules = []rule[models.Feature]{
	{value: models.FeatureRecording, keywords: []string{"recording", "recorded", "video of", "watch the replay", "replay", "archived video", "grabación", "grabacion", "grabada", "grabado"}},
	{value: models.FeatureMinutes, keywords: []string{
		"meeting minutes", "minutes of the", "minutes from", "minutes are", "minutes will be", "minutes posted",
		"agenda and minutes", "minutes and", "approved minutes", "actas",
	}, patterns: []namedPattern{
		// Link lists: "Agenda | Minutes", "(minutes, recording)".
		pattern("minutes-link", `\bagendas?\s*(,|\||/|&|and)?\s*minutes\b|\(\s*minutes\b`),
	}},
	{value: models.FeatureResponseToComment, keywords: []string{
		"response to comments", "responses to comments", "response to public comment*", "responses to public comment*",
		"how we responded", "comment response*", "respuesta a los comentarios", "respuestas a los comentarios",
	}, patterns: []namedPattern{
		pattern("respuesta-del-departamento", `\brespuestas? del (departamento|secretario|estado) a los comentarios\b`),
	}},
	{value: models.FeaturePlainSummary, keywords: []string{
		"plain-language", "plain language", "one-page summary", "one-pager", "family guide", "summary for families",
		"family-friendly summary", "resumen para familias", "lenguaje sencillo",
	}},
	{value: models.FeatureFAQ, keywords: []string{"faq*", "frequently asked questions", "preguntas frecuentes"}},
	{value: models.FeatureVideo, keywords: []string{"explainer video", "video overview", "short video", "video explaining", "video explicativo"}},
	{value: models.FeatureAccommodation, keywords: []string{
		"accommodation*", "ada", "americans with disabilities act", "request an accommodation", "adaptaciones", "acomodos",
	}},
	{value: models.FeatureCaptions, keywords: []string{"captioned", "closed caption*", "captions", "captioning", "cart", "subtítulos", "subtitulos"}},
	{value: models.FeatureAccessibleDocs, keywords: []string{
		"accessible format*", "accessible pdf*", "accessible version*", "screen reader*", "screen-reader*", "large print",
		"large-print", "braille", "alternate format*",
		"section 508", "508-compliant", "formato accesible", "formatos accesibles",
	}},
	{value: models.FeatureRural, keywords: []string{"rural", "small town*", "small-town", "frontier communit*", "zonas rurales"}},
	// Bare "members" would take "school board members invited" for a roster.
	{value: models.FeatureRoster, keywords: []string{
		"roster", "membership list", "member list", "list of members", "committee members", "council members",
		"members include", "members are listed", "membership includes", "group members", "panel members",
		"task force members", "miembros del comité", "miembros del consejo",
	}, unless: []string{"members of the public", "community members", "family members", "staff members"}},
	{value: models.FeatureAdvanceNotice, keywords: []string{"notice", "advance notice", "in advance", "aviso"},
		unless: []string{"nondiscrimination notice", "non-discrimination notice"}},
}

// phaseRules place the activity in the plan's life, in priority order; the
// type-driven steps of planPhase run between them.
var (
	amendmentRule = rule[models.PlanPhase]{value: models.PhaseAmendment, keywords: []string{
		"amendment*", "amend", "amending", "amended", "addendum", "waiver*", "enmienda*", "dispensa",
	}}
	implementationRule = rule[models.PlanPhase]{value: models.PhaseImplementation, keywords: []string{
		"implementation", "implementing", "report card*", "school improvement", "year one", "first year of",
		"approved plan", "progress report", "annual review", "implementación", "implementacion",
	}, unless: []string{"development and implementation", "develop and implement", "design and implementation"}}
	submittedRule = rule[models.PlanPhase]{value: models.PhaseSubmitted, keywords: []string{
		"submitted to the u.s. department of education", "submitted to the us department of education",
	}}
	commentRule = rule[models.PlanPhase]{value: models.PhaseComment, keywords: []string{
		"public comment*", "comment period", "comentarios públicos", "periodo de comentarios",
	}}
	preDraftRule = rule[models.PlanPhase]{value: models.PhasePreDraft, keywords: []string{
		"listening tour", "input on the development", "before drafting", "before the draft", "early input",
		"initial input", "help shape", "shape the plan", "development of the plan", "antes del borrador",
	}}
	draftRule = rule[models.PlanPhase]{value: models.PhaseDraft, keywords: []string{"draft*", "borrador"}}
)

// remoteWords mark an activity people can join from anywhere.
var remoteWords = rule[bool]{value: true, keywords: []string{
	"virtual*", "zoom", "livestream*", "live stream*", "live-stream*", "webinar*", "webcast*", "online", "call-in",
	"teleconference", "microsoft teams", "webex", "streamed", "en línea", "en linea", "virtualmente",
	"seminario web", "transmitirá", "transmisión en vivo",
}}

var interpretationWords = rule[bool]{value: true, keywords: []string{
	"interpretation", "interpreters", "interpreter", "interpreted", "interpretación", "interpretacion", "intérprete*", "interprete*",
	"asl", "american sign language", "sign language", "lenguaje de señas",
}}

var cancelledWords = rule[bool]{value: true, keywords: []string{
	"cancelled", "canceled", "postponed", "cancelado", "cancelada", "pospuesto", "pospuesta", "suspendido",
}}

// accessibilityWords find the sentence that tells people how to get an
// accommodation, which is kept verbatim.
var accessibilityWords = rule[bool]{value: true, keywords: []string{
	"accommodation*", "ada", "americans with disabilities", "caption*", "accessible", "accessibility", "cart",
	"sign language", "asl", "braille", "large print", "screen reader*", "adaptaciones", "accesible*",
	"acomodo*", "lenguaje de señas",
}}

// languageRules name languages other than English and Spanish; they count
// only in a sentence about language ("materials in Somali"), so that
// "the Navajo Nation" is not a translation.
var languageRules = []rule[string]{
	{value: "vi", keywords: []string{"vietnamese", "tiếng việt", "vietnamita"}},
	{value: "zh", keywords: []string{"chinese", "mandarin", "cantonese", "中文", "chino", "mandarín", "cantonés"}},
	{value: "ar", keywords: []string{"arabic", "العربية", "árabe"}},
	{value: "so", keywords: []string{"somali", "soomaali", "somalí"}},
	{value: "ht", keywords: []string{"haitian creole", "haitian-creole", "kreyòl", "kreyol", "criollo haitiano"}},
	{value: "ko", keywords: []string{"korean", "한국어", "coreano"}},
	{value: "ru", keywords: []string{"russian", "русский", "ruso"}},
	{value: "pt", keywords: []string{"portuguese", "português", "portugués"}},
	{value: "tl", keywords: []string{"tagalog", "filipino", "tagalo"}},
	{value: "hmn", keywords: []string{"hmong"}},
	{value: "fr", keywords: []string{"french", "français"}},
	{value: "ne", keywords: []string{"nepali"}},
	{value: "sw", keywords: []string{"swahili", "kiswahili"}},
	{value: "am", keywords: []string{"amharic", "አማርኛ"}},
	{value: "uk", keywords: []string{"ukrainian", "українська"}},
	{value: "nv", keywords: []string{"navajo", "diné bizaad"}},
	{value: "ilo", keywords: []string{"ilocano", "ilokano"}},
	{value: "ypk", keywords: []string{"yup'ik", "yupik"}},
	{value: "mh", keywords: []string{"marshallese"}},
	{value: "chk", keywords: []string{"chuukese"}},
	{value: "asl", keywords: []string{"american sign language", "asl", "lenguaje de señas"}},
}

// languageContext is what makes a language name a statement about the
// language a thing is offered in.
var languageContext = rule[bool]{value: true, keywords: []string{
	"language*", "translat*", "interpret*", "available in", "offered in", "provided in", "conducted in",
	"materials in", "idioma*", "traducc*", "sign language", "asl", "lenguaje de señas",
}}

// spanishExplicit says a thing is offered in Spanish even in English text.
var spanishExplicit = rule[bool]{value: true, keywords: []string{
	"in spanish", "en español", "en espanol", "spanish translation", "spanish-language", "spanish language",
	"spanish interpretation", "spanish and", "and spanish", "spanish,", "español",
}}

// englishExplicit says a thing is offered in English even in Spanish text.
var englishExplicit = rule[bool]{value: true, keywords: []string{
	"in english", "en inglés", "en ingles", "e inglés", "e ingles", "y inglés", "y ingles", "english and spanish",
}}

// spanishWords are common Spanish words that rarely appear in English text;
// two of them make a text Spanish.
var spanishWords = []string{
	"sesión", "sesion", "comentarios", "padres", "escuela", "escuelas", "familias", "estudiantes", "educación",
	"reunión", "encuesta", "participe", "comunidad", "para", "los", "las", "del", "sobre", "una", "plan estatal",
	"público", "departamento", "opinión", "nuestro", "nuestra", "está", "será", "cómo",
}

// englishWords are function words that make a text English.
var englishWords = []string{"the", "and", "of", "to", "for", "with", "will", "on", "is", "are", "your", "our", "this"}
