-- +goose Up
-- Rubric version 1, as set out in DOMAIN.md: thirteen criteria whose weights
-- sum to 100, each scored 0-4 (0 no evidence, 1 token or one-off, 2 meets the
-- legal floor, 3 good practice, 4 exemplary and sustained). anchors holds the
-- five score descriptions, index 0 to 4. Text is dollar-quoted so apostrophes
-- need no escaping; no line inside a value ends in a semicolon, so goose's
-- statement splitter sees exactly two statements.
INSERT INTO rubric_versions (version, published_at, notes) VALUES
    (1, '2026-11-22T00:00:00Z', $$First rubric: 13 criteria drawn from ESSA's consultation requirements and CCSSO and Partners for Each and Every Child guidance, weights summing to 100, each scored 0-4.$$);

INSERT INTO criteria (rubric_version, key, position, title, weight, description, signal, anchors, legal_source) VALUES
    (1, 'groups', 1, $$Coverage of required stakeholder groups$$, 14,
     $$Evidence that the state consulted each group the law names: the Governor, state legislators, the state board, LEAs including rural ones, Indian tribes, teachers, principals and other school leaders, charter school leaders, specialized instructional support personnel, paraprofessionals, administrators, other staff and parents. The wider groups listed in the 2016 rule (repealed in 2017 but still the best statement of good practice), such as community and civil-rights organizations, advocates for students with disabilities and English learners, higher education, employers and early-childhood educators, count too. Agendas, surveys, rosters or outreach lists that name the groups reached count as evidence, and a general statement that stakeholders were consulted does not.$$,
     $$Counts the distinct audience groups reached across the state's engagement activities, giving the statutory groups of §1111(a)(1)(A) more weight than the additional groups of 34 CFR 299.15(a).$$,
     $$[
        "No evidence that any named stakeholder group was consulted.",
        "Only a few groups reached (for example district leaders and the state board), or groups named without any activity that reached them.",
        "Every statutory group of §1111(a)(1)(A) that applies to the state is reached, including rural LEAs, teachers and parents.",
        "All statutory groups plus most of the additional 34 CFR 299.15(a) groups, such as civil-rights, disability and English-learner advocates, community organizations, higher education and employers.",
        "All statutory and 299.15(a) groups reached, with targeted outreach to underserved communities, sustained from drafting through implementation."
     ]$$::jsonb,
     $$ESSA §1111(a)(1)(A) (20 USC 6311); 34 CFR 299.15(a) (2016 rule, repealed 2017)$$),

    (1, 'governor', 2, $$Governor, legislature, state board$$, 5,
     $$Evidence that the state education agency consulted the Governor while developing the plan and before submitting it, and engaged state legislators and the state board of education. Consultation letters, the Governor's sign-off letter, legislative briefings and state board agenda items on the plan count. The Governor has 30 days to sign, and a plan the Governor does not sign is still submitted.$$,
     $$Looks for records of Governor consultation or sign-off, and checks that the Governor had the plan at least 30 days before it was submitted.$$,
     $$[
        "No record of consultation with the Governor, legislature or state board.",
        "A single contact, such as the plan sent to the Governor at submission with no time to respond, or a one-off board briefing.",
        "The Governor consulted during development and given the plan at least 30 days before submission.",
        "Governor consultation at the legal floor plus briefings of the state board and legislative education committees on each draft.",
        "Governor, legislature and state board engaged at every stage and on every amendment, with consultation and sign-off letters published."
     ]$$::jsonb,
     $$ESEA §8540 (20 USC 7920)$$),

    (1, 'tribal', 3, $$Tribal consultation$$, 5,
     $$Evidence that the state consulted representatives of the Indian tribes in the state on its plan, and that affected LEAs (at least 50% American Indian/Alaska Native enrollment, or a Title VI grant over $40,000) consulted tribes, with a written affirmation signed by tribal officials. A state with no federally recognized tribes is marked not applicable rather than scored.$$,
     $$Looks for tribal consultation activities, and marks the criterion not applicable where the state has no federally recognized tribes.$$,
     $$[
        "No evidence of tribal consultation (a state with no federally recognized tribes is marked not applicable instead of scored 0).",
        "A one-off contact, such as a letter or invitation to tribes with no meeting or response recorded.",
        "Tribal representatives consulted on the plan, and written affirmations signed by tribal officials on record for affected LEAs.",
        "Dedicated consultation sessions with the tribes in the state, held before drafts are final, with tribal input noted in the plan.",
        "Regular consultation with tribes through implementation and every amendment, with summaries of what was raised and how the state responded published."
     ]$$::jsonb,
     $$ESSA §1111(a)(1)(A); ESEA §8538 (20 USC 7918)$$),

    (1, 'comment', 4, $$Public comment period and notice$$, 10,
     $$Evidence that the state posted its draft plan or amendment for public comment, announced when and how to comment, and considered the comments before submitting. Notices, comment portals, posted deadlines and comment email addresses count. A window of at least 30 days is the common reading of the law (verify §1111(a)(8)).$$,
     $$Reads the start and end of each comment period and checks that it ran at least 30 days, was announced in advance, and was repeated on successive drafts.$$,
     $$[
        "No public comment period found.",
        "A comment opportunity with no stated dates, or a window shorter than 30 days.",
        "One comment window of at least 30 days on the draft, with public notice of how and where to comment.",
        "A window of at least 30 days announced in advance, plus a second comment round on a revised draft.",
        "Every draft and every amendment gets a comment window of at least 30 days with advance notice, and responses to the comments are published."
     ]$$::jsonb,
     $$ESEA §8304 (30-day window is the common reading; verify §1111(a)(8))$$),

    (1, 'modes', 5, $$Multiple ways to take part$$, 7,
     $$Evidence that people could take part in more than one way, such as in-person meetings, online surveys, webinars, focus groups and written comment, so that someone who cannot attend a meeting can still be heard. Each distinct way offered in a phase of the plan counts.$$,
     $$Counts the distinct activity types offered in each plan phase, such as meetings, surveys, webinars, focus groups and written comment.$$,
     $$[
        "No way to take part found.",
        "Only one way to take part, such as written comment alone or a single meeting.",
        "Written comment plus at least one other way to take part, such as public meetings or a survey, while the plan is drafted.",
        "Four or more ways, mixing in-person and online options such as surveys, webinars and focus groups, during drafting.",
        "Several ways to take part offered in every phase, from before the first draft through implementation and amendments."
     ]$$::jsonb,
     $$CCSSO, Let's Get This Conversation Started, step 4 (use multiple vehicles)$$),

    (1, 'access', 6, $$Geographic and time-of-day access$$, 7,
     $$Evidence that people across the state, including rural communities and people who work during the day, could take part: meetings in several regions and counties, evening or weekend times, and a way to join remotely. The 2016 rule asked that consultation reflect the geographic diversity of the state.$$,
     $$Measures geographic and time-of-day access from the regions and counties where activities were held, rural locations, evening or weekend start times, and whether a remote option was offered.$$,
     $$[
        "No information on where or when engagement took place.",
        "Engagement held only in the capital or at one location, during weekday working hours, with no remote option.",
        "Meetings in several regions of the state, or a remote option, so people outside the capital can take part.",
        "Meetings across most regions including rural areas, with some evening or weekend sessions and a remote option.",
        "Statewide coverage including rural counties, with evening and weekend times and remote access as routine, sustained from drafting through implementation."
     ]$$::jsonb,
     $$34 CFR 299.15(a) geographic diversity (2016 rule, repealed 2017)$$),

    (1, 'language', 7, $$Language access$$, 8,
     $$Evidence that families who speak languages other than English could read the materials and take part: translated summaries, notices and surveys, and interpretation at meetings, in the languages most spoken by families in the state. The law asks for report cards in a language parents can understand where practicable, and this criterion applies that standard to engagement by analogy.$$,
     $$Compares the languages of posted documents and of interpretation offered at activities with the state's main family languages.$$,
     $$[
        "Materials and meetings in English only, or no information on language access.",
        "One translated item, such as a survey in Spanish, or interpretation only on request.",
        "Key materials (plan summary, comment notice, survey) available in the state's most common family language other than English.",
        "Key materials and meeting interpretation in several of the state's main family languages.",
        "All key materials and interpretation in every main family language of the state, kept up through implementation and amendments."
     ]$$::jsonb,
     $$ESSA §1111(h)(1)(B) by analogy; CCSSO, Let's Get This Conversation Started, step 3 (speak to your audience)$$),

    (1, 'plain', 8, $$Plain-language materials$$, 5,
     $$Evidence that the state explained the plan without edu-speak, through short summaries, FAQs, one-pagers or videos that a parent could follow, posted alongside the full plan. Plain, readable text on the state's own pages counts too.$$,
     $$Looks for summaries, FAQs and videos, and measures the readability of the text the state posts.$$,
     $$[
        "Only the full technical plan posted, or no materials found.",
        "A single overview or slide deck written for specialists.",
        "A plain-language summary or FAQ posted alongside the draft plan.",
        "Several plain-language formats, such as a summary, an FAQ and a video, written at an accessible reading level.",
        "Plain-language materials for every draft and amendment, kept up to date as the plan changes through implementation."
     ]$$::jsonb,
     $$CCSSO, Let's Get This Conversation Started, step 7 (keep materials simple)$$),

    (1, 'disability', 9, $$Disability access$$, 5,
     $$Evidence that people with disabilities could take part: notices explaining how to request accommodations, captioned videos and webinars, and documents posted in accessible formats.$$,
     $$Looks for accommodation notices, captions on recordings and webinars, and accessible documents.$$,
     $$[
        "No accessibility information found.",
        "A single generic accommodation line, or one captioned item.",
        "Meeting notices explain how to request accommodations, and posted documents are accessible.",
        "Accommodation notices, captioned recordings and webinars, and accessible documents across all engagement activities.",
        "Accessibility built into every activity and document, from drafting through implementation and amendments."
     ]$$::jsonb,
     $$ED 2018 accessibility reminder$$),

    (1, 'early', 10, $$Input before decisions$$, 7,
     $$Evidence that the state asked for input before it wrote the plan or made key decisions, not only once a draft was finished. Listening sessions, surveys or advisory meetings dated before the first draft count.$$,
     $$Compares the date of the first engagement activity with the date of the first draft, and rewards engagement that began before a draft existed.$$,
     $$[
        "No engagement dates found, or engagement began only after the plan was submitted.",
        "Input sought only on a finished draft, after key decisions were made.",
        "Some engagement during development, before the draft was posted for public comment.",
        "Listening sessions or surveys held before the first draft, asking open questions about goals and priorities.",
        "Input gathered before each major decision, for the original plan and for amendments, with the plan showing how early input shaped it."
     ]$$::jsonb,
     $$CCSSO, Let's Get This Conversation Started, step 6 (ask for input before decisions are made)$$),

    (1, 'feedback', 11, $$Feedback loop and transparency$$, 12,
     $$Evidence that the state told people what it heard and what it did with it: 'what we heard' reports, responses to public comments, plan sections that cite the input behind them, and posted recordings and minutes of meetings. Stakeholders should be able to recognize their imprint on the plan.$$,
     $$Looks for 'what we heard' summaries, responses to comments, and posted recordings and minutes of meetings.$$,
     $$[
        "No summary of input, response to comments, or meeting record found.",
        "A brief mention that input was received, or a single set of minutes.",
        "A summary of the public comments received and how they were considered, posted with the plan.",
        "A 'what we heard' report with responses to comments showing what changed in the plan, plus posted recordings and minutes.",
        "For every round and amendment, published responses to comments, plan sections citing the input that shaped them, and full meeting records, kept up through implementation."
     ]$$::jsonb,
     $$CCSSO, Transparency in Stakeholder Engagement; Partners for Each and Every Child, Process and Protest ('show your work')$$),

    (1, 'advisory', 12, $$Representative advisory bodies$$, 5,
     $$Evidence that the state convened advisory committees, task forces or working groups that represent the required stakeholder groups, published who sits on them, and kept them meeting. Open meetings and members who report back to the groups they represent count for more than task forces closed to non-members.$$,
     $$Looks for published rosters of advisory bodies, maps their members to stakeholder groups, and counts how often the bodies meet.$$,
     $$[
        "No advisory body found.",
        "An advisory body exists but its members are not published, or it met only once.",
        "A published roster covering several required groups, with more than one meeting while the plan was developed.",
        "A published roster representing most required groups, including parents and underserved communities, meeting regularly with agendas and minutes posted.",
        "A representative body meeting regularly and in public through implementation and amendments, with members reporting back to the groups they represent."
     ]$$::jsonb,
     $$Partners for Each and Every Child, Process and Protest ('stick with it')$$),

    (1, 'ongoing', 13, $$Ongoing engagement after submission$$, 10,
     $$Evidence that engagement continued after the plan went to the US Department of Education: Governor consultation and a chance for public comment on each amendment, and meetings, surveys or reports during implementation. States keep amending their plans, so this is tracked every year.$$,
     $$Counts engagement activities in the implementation and amendment phases, year by year, after the plan was submitted.$$,
     $$[
        "No engagement found after the plan was submitted.",
        "A single activity after submission, such as one meeting or a notice of an amendment.",
        "Each plan amendment made with Governor consultation and a reasonable opportunity for public comment.",
        "Amendments opened to public comment plus engagement activities during implementation in most years.",
        "Engagement every year through implementation and every amendment, in several ways, with results reported back to stakeholders."
     ]$$::jsonb,
     $$ED June 2016 letter to states; ED 2018 letter on plan amendments$$);

-- +goose Down
DELETE FROM criteria WHERE rubric_version = 1;
DELETE FROM rubric_versions WHERE version = 1;
