package demo

import (
	"fmt"
	"strings"
	"time"
)

// archetypes are the kinds of item the corpus draws from, written the way
// state agencies write them. Each adds what the builder's profile calls for:
// the thin profiles get few activities for few groups during working hours,
// the strong ones listening tours, languages, feedback reports and
// engagement that carries on into implementation and amendments.
//
// The timeline, in days from the anchor: listening tour about -330 (-280
// for middle profiles), first draft and comment round -228, second draft
// and round -168, summary of comments -125, submission -100, implementation
// webinars in each earlier year, and an amendment comment window open now.
var archetypes = []func(*builder){
	listeningTour,
	spanishListeningSession,
	focusGroups,
	advisoryMeetings,
	tribalConsultations,
	boardMeetings,
	webinars,
	publicHearing,
	governorConsultation,
	legislativeConsultation,
	draftsPosted,
	commentPeriods,
	surveys,
	whatWeHeard,
	planSubmitted,
	amendmentTownHalls,
	unrelatedNews,
}

func listeningTour(b *builder) {
	n := map[int]int{2: 2, 3: 3, 4: 4}[b.p.tier]
	if b.p.extras && b.p.tier < 4 {
		n++
	}
	base, hour0 := b.p.tour, 18
	if b.p.tier < 2 {
		// A thin profile's one session: late, in the daytime, at the capitol.
		base, hour0 = -90, 14
	}
	for i := 0; i < n; i++ {
		offset, hour := b.weekday(base+7*i, false), hour0
		if i == 2 && b.p.tier >= 3 {
			offset, hour = b.weekday(base+7*i, true), 10
		}
		start, when := b.event(offset, hour, 0, 2)
		place := fmt.Sprintf("%s Regional Education Service Center, %s", b.p.regions[i], b.region(i))
		switch {
		case i == 1 && b.p.tier == 4:
			place = fmt.Sprintf("Public library in a small town of rural %s", b.region(i))
		case b.p.tier < 2:
			place = b.capitol()
		}
		desc := fmt.Sprintf("Help shape %s's revised ESSA consolidated state plan. %s invites %s to a listening session "+
			"on school accountability, support for struggling schools and how federal Title I funds are used. %s %s",
			b.j.Name, b.agency(), b.groups(), b.interpretation(), b.accommodation(false))
		b.add("listening", entry{OnPage: true, Title: fmt.Sprintf("ESSA listening tour: %s session", b.region(i)),
			Description: desc, DateText: when, Location: place, Published: start.AddDate(0, 0, -21)})
	}
}

func spanishListeningSession(b *builder) {
	if b.p.tier < 2 {
		return
	}
	start := b.at(b.weekday(b.p.tour+30, false), 18, 30)
	when := spanishDate(start) + ", de 6:30 a 8:00 p.m."
	desc := fmt.Sprintf("El Departamento de Educación invita a padres, madres y familias a una sesión de escucha sobre "+
		"el plan estatal ESSA. Queremos escuchar sus comentarios sobre las escuelas de %s: ¿qué apoyo necesitan "+
		"sus hijos? La sesión será en español, con cuidado de niños y cena ligera.", b.j.Name)
	b.add("sesion", entry{OnPage: true, Title: "Sesión de escucha para familias: plan estatal ESSA",
		Description: desc, DateText: when, Location: "Centro comunitario, " + b.region(3), Published: start.AddDate(0, 0, -14)})
}

func focusGroups(b *builder) {
	if b.p.tier < 3 {
		return
	}
	start, when := b.event(b.weekday(b.p.tour+25, false), 16, 0, 2)
	b.add("focus", entry{OnPage: true, Title: "Student focus groups on the ESSA state plan",
		Description: "High school students and youth leaders are invited to focus groups to help shape the plan's " +
			"measures of school quality. Students who take part earn service-learning hours. " + b.accommodation(false),
		DateText: when, Location: "Public high school library, " + b.region(2), Published: start.AddDate(0, 0, -14)})
	if b.p.tier == 4 {
		start, when := b.event(b.weekday(b.p.tour+36, false), 18, 0, 2)
		b.add("focus", entry{OnPage: true, Title: "Focus groups with families of English learners & immigrant families",
			Description: "Families of English learners, early childhood educators and community organizations " +
				"that serve immigrant families are invited to small focus groups. " + b.interpretation(),
			DateText: when, Location: "Community center, " + b.region(4), Published: start.AddDate(0, 0, -14)})
	}
}

func advisoryMeetings(b *builder) {
	offsets := map[int][]int{
		1: {-150},
		2: {-290, -200, -60},
		3: {-260, -200, -140, -100, -60, 33},
		4: {-420, -320, -260, -200, -140, -60, 33},
	}[b.p.tier]
	for i, off := range offsets {
		start, when := b.event(b.weekday(off, false), 13, 0, 3)
		if b.p.tier == 1 {
			start, when = b.event(b.weekday(off, false), 10, 0, 2)
		}
		desc := "The ESSA Committee of Practitioners meets to review progress on the state plan."
		if off > -100 {
			desc = "The ESSA Committee of Practitioners meets to review implementation of the approved plan and school improvement data."
		}
		if b.p.tier >= 2 {
			desc += " Minutes of the previous meeting are posted with the agenda."
		}
		if b.p.tier == 4 {
			desc += " The committee roster lists members representing teachers, principals, parents, tribes and advocates." +
				" The meeting is livestreamed, and a video recording is posted afterwards."
		}
		place := b.capitol()
		if b.p.tier >= 3 {
			place = b.capitol() + " and livestream"
		}
		title := "ESSA Committee of Practitioners meeting"
		if i == len(offsets)-1 && off > 0 {
			title = "Upcoming: ESSA Committee of Practitioners meeting"
		}
		b.add("advisory", entry{OnPage: true, Title: title, Description: desc + " " + b.accommodation(true),
			DateText: when, Location: place, Published: start.AddDate(0, 0, -10)})
	}
}

func tribalConsultations(b *builder) {
	offsets := map[int][]int{2: {-260}, 3: {-260}, 4: {-262, -150, 40}}[b.p.tier]
	for i, off := range offsets {
		start, when := b.event(b.weekday(off, false), 10, 0, 3)
		topic := "to help shape the plan before it is drafted"
		switch {
		case i == 1:
			topic = "on the draft plan, including how Title VI Indian education and Title I funds are coordinated"
		case i == 2:
			topic = "on the proposed amendment to the state plan and the first year of implementation"
		}
		b.add("tribal", entry{OnPage: true, Title: "Tribal consultation on the ESSA state plan",
			Description: fmt.Sprintf("%s holds government-to-government consultation with tribal leaders and "+
				"representatives of affected school districts %s.", b.agency(), topic),
			DateText: when, Location: b.pick("Tribal government center, ", "Tribal college campus, ") + b.region(i+1),
			Published: start.AddDate(0, 0, -30)})
	}
}

func boardMeetings(b *builder) {
	offsets := []int{-180, -110}
	switch b.p.tier {
	case 0:
		offsets = []int{-180, -110, -45}
	case 1:
		offsets = []int{-200, -110, -45}
	}
	for _, off := range offsets {
		start, when := b.event(b.weekday(off, false), 9, 0, 4)
		desc := "The State Board of Education will hear an update on the ESSA consolidated state plan. Public comment " +
			"is taken at the start of the meeting."
		switch {
		case b.p.tier == 1:
			desc += " Meeting minutes are posted after approval."
		case b.p.tier >= 3:
			desc += " Meeting minutes and a video recording are posted within two weeks."
		}
		b.add("board", entry{OnPage: true, Title: "State Board of Education meeting: ESSA plan update",
			Description: desc, DateText: when, Location: b.capitol(), Published: start.AddDate(0, 0, -7)})
	}
}

func webinars(b *builder) {
	type webinar struct {
		off        int
		title, why string
	}
	var list []webinar
	switch {
	case b.p.tier <= 1:
		list = []webinar{
			{-125, "ESSA state plan overview webinar for district leaders", "An overview of the proposed accountability changes for superintendents and district leaders."},
			{-95, "Webinar: Title I funding and the ESSA plan", "Superintendents and district leaders can ask questions about the plan."},
		}
	default:
		list = []webinar{{-60, "Implementation webinar: school report cards and support for schools",
			"A webinar on implementation of the approved ESSA plan: the new school report card, school improvement support and what changes for families."}}
		if b.p.tier == 4 {
			list = append(list, webinar{-380, "Implementation webinar: year-one check-in",
				"A webinar on the first year of implementation of the state plan, with time for questions from parents and educators."})
			list = append(list, webinar{-700, "Implementation webinar: how report cards will change",
				"An evening webinar on implementation of the state plan and the redesigned school report card."})
		}
	}
	for i, w := range list {
		hour := 14
		if b.p.tier >= 2 {
			hour = 18
		}
		start, when := b.event(b.weekday(w.off, false), hour, 0, 1)
		e := entry{OnPage: true, Title: w.title, Description: w.why + " Join online by Zoom. " + b.accommodation(true),
			DateText: when, Location: "Online (Zoom webinar)", Published: start.AddDate(0, 0, -14)}
		if i == 0 {
			// A <time datetime> gives the parser a machine-readable start.
			e.DateTime = start.Format(time.RFC3339)
		}
		b.add("webinar", e)
	}
}

func publicHearing(b *builder) {
	if b.p.tier > 1 {
		return
	}
	start, when := b.event(b.weekday(-140, false), 10, 0, 2)
	b.add("hearing", entry{OnPage: true, Title: "Public hearing on the draft ESSA state plan",
		Description: "A public hearing on the draft plan. Speakers sign up at the door and have three minutes each.",
		DateText:    when, Location: b.capitol(), Published: start.AddDate(0, 0, -10)})
}

func governorConsultation(b *builder) {
	if b.p.tier < 3 {
		return
	}
	d := b.day(-240)
	b.add("governor", entry{Title: "Department holds consultation with the Governor's office on the draft ESSA plan",
		Description: fmt.Sprintf("%s met with the Governor's education policy staff on %s as part of the required "+
			"consultation with the Governor while the plan is being drafted.", b.agency(), d.Format("January 2, 2006")),
		Published: d.Add(15 * time.Hour)})
	if b.p.tier == 4 {
		d := b.day(-135)
		b.add("governor", entry{Title: "Final ESSA plan sent to the Governor for review",
			Description: fmt.Sprintf("On %s the final plan was sent to the Governor for review and signature, "+
				"more than 30 days before submission.", d.Format("January 2, 2006")),
			Published: d.Add(16 * time.Hour)})
	}
}

func legislativeConsultation(b *builder) {
	if b.p.tier < 3 {
		return
	}
	start, when := b.event(b.weekday(-210, false), 15, 0, 1)
	b.add("legislature", entry{OnPage: true, Title: "Consultation with state legislators on the draft ESSA plan",
		Description: "A briefing and consultation for legislators on the House and Senate education committees, " +
			"with the State Board of Education chair.", DateText: when, Location: b.capitol(), Published: start.AddDate(0, 0, -7)})
}

func draftsPosted(b *builder) {
	if b.p.tier == 0 {
		return
	}
	offsets := map[int][]int{1: {-230}, 2: {-220}, 3: {-228, -168}, 4: {-228, -168}}[b.p.tier]
	for i, off := range offsets {
		d := b.day(off)
		title := "Draft ESSA consolidated state plan released"
		if i == 1 {
			title = "Revised draft of the ESSA state plan posted"
		}
		desc := fmt.Sprintf("%s released the draft plan on %s.", b.agency(), d.Format("January 2, 2006"))
		switch b.p.tier {
		case 2:
			if b.p.extras {
				desc += " Frequently asked questions (FAQ) about the draft are posted with it."
			}
		case 3:
			desc += " A plain-language family guide and an FAQ are posted with it."
		case 4:
			video := ""
			if b.p.extras {
				video = " and a short explainer video"
			}
			desc += " A plain-language family guide, an FAQ" + video + " are posted with it, " +
				"in English, Spanish, " + joinAnd(b.p.langs) + " translations."
		}
		b.add("draft", entry{Title: title, Description: desc, Published: d.Add(10 * time.Hour)})
	}
}

func commentPeriods(b *builder) {
	type round struct {
		off, days int
		title     string
	}
	rounds := map[int][]round{
		0: {{-2, 16, "Comments due on proposed changes to ESSA plan accountability rules"}},
		1: {{-225, 21, "Public comment on the draft ESSA plan"}, {-5, 21, "Public comment on proposed changes to ESSA accountability rules"}},
		2: {{-218, 33, "Public comment period opens on the draft ESSA state plan"}},
		3: {{-226, 33, "Public comment period opens on the draft ESSA state plan"}, {-166, 21, "Second public comment period on the revised draft"}, {-10, 21, "Public comment period: proposed ESSA plan amendment"}},
		4: {{-226, 33, "Public comment period opens on the draft ESSA state plan"}, {-166, 32, "Second public comment period on the revised draft"}, {-12, 38, "Public comment period: proposed ESSA plan amendment & waiver request"}},
	}[b.p.tier]
	for _, r := range rounds {
		open, closeDay := b.day(r.off), b.day(r.off+r.days)
		var desc string
		if b.p.tier == 0 {
			desc = fmt.Sprintf("Comments are due %s. Send comments on the proposed accountability changes to the ESSA mailbox.",
				closeDay.Format("Jan. 2, 2006"))
		} else {
			desc = fmt.Sprintf("%s is accepting public comment from %s through %s. Submit comments online or by mail.",
				b.agency(), open.Format("January 2"), closeDay.Format("January 2, 2006"))
		}
		if b.p.tier >= 2 {
			desc += " The draft and comment form are available in Spanish."
		}
		if b.p.tier >= 3 {
			desc += fmt.Sprintf(" Public notice was posted on %s, two weeks in advance. The Department will publish a response to comments.",
				open.AddDate(0, 0, -14).Format("January 2, 2006"))
		}
		if b.p.tier == 4 {
			desc += " Comments are welcome in any language; " + joinAnd(b.p.langs) + " translations of the summary are posted."
		}
		if r.off < 0 && r.off+r.days > 0 {
			r.title = "Now open: " + r.title
		}
		b.add("comment", entry{Title: r.title, Description: desc, Published: open.Add(-14 * 24 * time.Hour).Add(9 * time.Hour)})
	}
}

func surveys(b *builder) {
	if b.p.tier <= 1 {
		d := b.day(-135)
		b.add("survey", entry{Title: "Survey for district leaders on the ESSA plan",
			Description: fmt.Sprintf("Superintendents and district leaders are asked to complete a short online survey on the proposed accountability changes by %s.",
				d.AddDate(0, 0, 21).Format("January 2, 2006")), Published: d.Add(9 * time.Hour)})
		return
	}
	d := b.day(b.p.tour + 5)
	b.add("survey", entry{Title: "Family & educator survey: \"What matters most in your school?\"",
		Description: fmt.Sprintf("Parents, families, students and educators can take the survey in English or Spanish from %s through %s, to help shape the plan before it is drafted.",
			d.Format("January 2"), d.AddDate(0, 0, 30).Format("January 2, 2006")), Published: d.Add(9 * time.Hour)})
	b.add("encuesta", entry{Title: "Encuesta para familias sobre el plan estatal ESSA",
		Description: fmt.Sprintf("Padres y familias: participe en la encuesta sobre las escuelas de %s, del %d de %s al %s. Sus comentarios ayudarán a preparar el plan estatal.",
			b.j.Name, d.Day(), spanishMonths[d.Month()-1], spanishDate(d.AddDate(0, 0, 30))), Published: d.Add(10 * time.Hour)})
	if b.p.tier == 3 {
		// Reported, not consulted on: a year of implementation that does
		// not count as input before the new draft.
		d := b.day(-380)
		b.add("progress", entry{Title: "Implementation progress report on the ESSA state plan shared with stakeholders",
			Description: fmt.Sprintf("The annual report on implementation of the state plan, released %s, covers school improvement and report card changes.",
				d.Format("January 2, 2006")), Published: d.Add(9 * time.Hour)})
	}
	if b.p.tier == 4 {
		d := b.day(-370)
		b.add("survey", entry{Title: "Report card survey: tell us what you want to see on school report cards",
			Description: fmt.Sprintf("A survey on implementation of the school report card, open %s through %s, for parents, teachers and the public.",
				d.Format("January 2"), d.AddDate(0, 0, 30).Format("January 2, 2006")), Published: d.Add(9 * time.Hour)})
	}
}

func whatWeHeard(b *builder) {
	type report struct {
		off         int
		title, desc string
	}
	var list []report
	if b.p.tier >= 2 {
		list = append(list, report{-240, "What we heard: ESSA listening tour summary",
			"A summary of what parents, educators and community members said on the listening tour, and how their input shaped the first draft."})
	}
	if b.p.tier >= 3 {
		list = append(list, report{-125, "Summary of public comments and the Department's response to comments",
			"The report groups every public comment on both drafts of the ESSA state plan by theme and explains how we responded, including changes to the plan."})
	}
	if b.p.tier == 4 {
		list = append(list, report{-350, "What we heard: year-one implementation survey results",
			"Results of the report card and implementation survey, with a one-page summary for families."})
	}
	for _, r := range list {
		d := b.day(r.off)
		b.add("heard", entry{Title: r.title, Description: r.desc + " Posted " + d.Format("January 2, 2006") + ".",
			Published: d.Add(11 * time.Hour)})
	}
}

func planSubmitted(b *builder) {
	if b.p.tier < 2 {
		return
	}
	d := b.day(-100)
	b.add("submitted", entry{Title: b.j.Name + " submits revised ESSA consolidated state plan",
		Description: fmt.Sprintf("On %s the revised plan was submitted to the U.S. Department of Education.", d.Format("January 2, 2006")),
		Published:   d.Add(14 * time.Hour)})
}

func amendmentTownHalls(b *builder) {
	if b.p.tier < 2 {
		return
	}
	start, when := b.event(b.weekday(12, false), 18, 0, 1)
	b.add("townhall", entry{OnPage: true, Title: "Virtual town hall on the proposed ESSA plan amendment",
		Description: "Ask questions about the proposed amendment to the accountability system before comments close. " +
			b.interpretation() + " " + b.accommodation(true),
		DateText: when, Location: "Online (Zoom)", Published: start.AddDate(0, 0, -10)})
	if b.p.tier == 4 {
		start, when := b.event(b.weekday(19, true), 10, 0, 2)
		b.add("townhall", entry{OnPage: true, Title: "Regional town hall: plan amendment (Saturday session)",
			Description: "An in-person town hall on the proposed ESSA plan amendment for families in rural communities. " + b.interpretation(),
			DateText:    when, Location: "County fairgrounds hall in rural " + b.region(0), Published: start.AddDate(0, 0, -10)})
	}
}

// unrelatedNews are the agency's other releases, which extraction must
// drop; some carry words (governor, teachers, board) that an engagement
// item would too.
var unrelatedPool = []struct{ title, desc string }{
	{"Governor announces new highway funding", "The Governor announced $40 million for rural road & bridge repairs."},
	{"Department hires new chief financial officer", "The agency named a new CFO, who starts next month & oversees budget and grants."},
	{"State Teacher of the Year finalists named", "Five finalists were named for Teacher of the Year; the winner is announced in May."},
	{"Department offices closed for the holiday", "Offices will be closed Monday. Online services remain available."},
	{"Statewide spelling bee crowns champion", "An eighth grader won the statewide bee after 14 rounds; \"It's a dream,\" she said."},
	{"School bus safety week reminds drivers to stop for buses", "Drivers must stop when a school bus extends its stop arm <and> flashes red lights."},
}

func unrelatedNews(b *builder) {
	n := 2 + b.rng.IntN(3)
	perm := b.rng.Perm(len(unrelatedPool))
	for k := 0; k < n; k++ {
		u := unrelatedPool[perm[k]]
		d := b.day(-5 - 37*k)
		b.add("offtopic", entry{Title: u.title, Description: u.desc, Published: d.Add(13 * time.Hour),
			Categories: []string{strings.ToLower(b.pick("News", "Press release", "Announcements"))}})
	}
}
