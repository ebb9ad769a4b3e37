package models_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"heard/models"
)

// TestScorecardReviewWorkflow walks a scorecard from draft through the
// agency's right of reply to publication, and checks that the public sees
// only what was published.
func TestScorecardReviewWorkflow(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "OH")
	mustUpsert(t, ctx, s, newActivity("OH", "tour"), f.from(t0))
	first, err := s.Rescore(ctx, "OH", t0, "manual")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Scorecard(ctx, "OH", 1, models.Published); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("public scorecard before publishing: %v, want ErrNotFound", err)
	}
	if sums, _ := s.ScoreSummaries(ctx, 1, models.Published); summaryOf(sums, "OH").Level != models.LevelUnscored {
		t.Errorf("public summary before publishing: %+v", summaryOf(sums, "OH"))
	}
	if _, err := s.PublishLatestDirectly(ctx, "OH", "x", "y", t0); !errors.Is(err, models.ErrWrongState) {
		t.Errorf("direct publication of real data: %v, want ErrWrongState", err)
	}

	draft, opened, err := s.OpenReview(ctx, "oh", "editor@example.org", t0)
	if err != nil || !opened || draft.State != models.ReviewDraft || draft.ScoreRunID != nil {
		t.Fatalf("open: %+v %v %v", draft, opened, err)
	}
	again, opened, err := s.OpenReview(ctx, "OH", "admin@example.org", t0)
	if err != nil || opened || again.ID != draft.ID {
		t.Fatalf("a second open gave %+v %v %v, want the same draft", again, opened, err)
	}
	if _, err := s.PublishReview(ctx, "OH", "editor@example.org", t0); !errors.Is(err, models.ErrWrongState) {
		t.Errorf("publishing a draft before the reply was offered: %v, want ErrWrongState", err)
	}
	var verr *models.ValidationError
	if _, _, err := s.RequestReply(ctx, "OH", models.ReplyRequest{Due: t0}, "e", t0); !errors.As(err, &verr) ||
		verr.Fields["contact"] == "" || verr.Fields["due"] == "" {
		t.Errorf("reply request without contact or future due date: %v", err)
	}

	due := t0.Add(14 * 24 * time.Hour)
	asked, token, err := s.RequestReply(ctx, "OH", models.ReplyRequest{Contact: "Deputy superintendent", Due: due}, "editor@example.org", t0)
	if err != nil || asked.State != models.ReviewReply || asked.ScoreRunID == nil || *asked.ScoreRunID != first.ScoreRunID || len(token) < 40 {
		t.Fatalf("request reply: %+v %q %v", asked, token, err)
	}
	if _, _, err := s.RequestReply(ctx, "OH", models.ReplyRequest{Contact: "x", Due: due}, "e", t0); !errors.Is(err, models.ErrWrongState) {
		t.Errorf("second reply request: %v, want ErrWrongState", err)
	}
	if _, err := s.ReviewByReplyToken(ctx, token+"x", t0); !errors.Is(err, models.ErrTokenSpent) {
		t.Errorf("forged token: %v", err)
	}
	if _, err := s.ReviewByReplyToken(ctx, token, due); !errors.Is(err, models.ErrTokenSpent) {
		t.Errorf("token at its due time: %v, want spent", err)
	}
	if r, err := s.ReviewByReplyToken(ctx, token, t0.Add(time.Hour)); err != nil || r.ID != draft.ID {
		t.Fatalf("token in time: %+v %v", r, err)
	}

	// Evidence changes after the reply was asked for: the draft moves on,
	// the run under review does not.
	newer, err := s.Rescore(ctx, "OH", t0.Add(2*time.Hour), "manual")
	if err != nil {
		t.Fatal(err)
	}

	// Two replies race through the same link: exactly one is stored.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.SubmitReply(ctx, token, models.ReplyInput{Body: "We held six more sessions.", Name: "A. Official"}, t0.Add(3*time.Hour))
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !(errors.Is(errs[0], models.ErrTokenSpent) || errors.Is(errs[1], models.ErrTokenSpent)) {
		t.Fatalf("racing replies: %v, %v; want one stored and one spent", errs[0], errs[1])
	}
	if _, err := s.SubmitReply(ctx, "", models.ReplyInput{}, t0); !errors.As(err, &verr) || verr.Fields["body"] == "" || verr.Fields["name"] == "" {
		t.Errorf("empty reply: %v", err)
	}

	published, err := s.PublishReview(ctx, "OH", "admin@example.org", t0.Add(4*time.Hour))
	if err != nil || published.State != models.ReviewPublished {
		t.Fatalf("publish: %+v %v", published, err)
	}
	card, err := s.Scorecard(ctx, "OH", 1, models.Published)
	if err != nil {
		t.Fatal(err)
	}
	if card.ScoreRunID != first.ScoreRunID || card.Publication == nil || card.Publication.Reply == nil ||
		card.Publication.Reply.Name != "A. Official" || len(card.Criteria) == 0 {
		t.Fatalf("published card: run %d (want %d), %+v", card.ScoreRunID, first.ScoreRunID, card.Publication)
	}
	if draftCard, _ := s.Scorecard(ctx, "OH", 1, models.Draft); draftCard.ScoreRunID != newer.ScoreRunID || draftCard.Publication != nil {
		t.Errorf("draft card: run %d, want %d", draftCard.ScoreRunID, newer.ScoreRunID)
	}
	if sums, _ := s.ScoreSummaries(ctx, 1, models.Published); summaryOf(sums, "OH").UpdatedAt == nil ||
		!summaryOf(sums, "OH").UpdatedAt.Equal(first.ComputedAt) {
		t.Errorf("public summary: %+v", summaryOf(sums, "OH"))
	}
	if hist, _ := s.ScoreHistory(ctx, "OH", 1, models.Published); len(hist) != 1 || hist[0].ScoreRunID != first.ScoreRunID {
		t.Errorf("public history: %+v", hist)
	}
	if hist, _ := s.ScoreHistory(ctx, "OH", 1, models.Draft); len(hist) != 2 {
		t.Errorf("draft history has %d runs, want 2", len(hist))
	}
	if _, err := s.SubmitReply(ctx, token, models.ReplyInput{Body: "late", Name: "x"}, t0.Add(5*time.Hour)); !errors.Is(err, models.ErrTokenSpent) {
		t.Errorf("reply after publication: %v", err)
	}

	// A new review can open once the last is published; withdrawing it
	// leaves the publication in force.
	if _, opened, err := s.OpenReview(ctx, "OH", "editor@example.org", t0.Add(6*time.Hour)); err != nil || !opened {
		t.Fatalf("reopen: %v %v", opened, err)
	}
	if _, err := s.WithdrawReview(ctx, "OH", " ", t0); !errors.As(err, &verr) {
		t.Errorf("withdraw without reason: %v", err)
	}
	if r, err := s.WithdrawReview(ctx, "OH", "Started by mistake", t0); err != nil || r.State != models.ReviewWithdrawn {
		t.Fatalf("withdraw: %+v %v", r, err)
	}
	if card, _ := s.Scorecard(ctx, "OH", 1, models.Published); card.ScoreRunID != first.ScoreRunID {
		t.Errorf("after withdrawal the public sees run %d", card.ScoreRunID)
	}
}

func summaryOf(sums []models.ScoreSummary, code string) models.ScoreSummary {
	for _, s := range sums {
		if s.Code == code {
			return s
		}
	}
	return models.ScoreSummary{}
}
