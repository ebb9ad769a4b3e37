package models

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// TextQuote is a W3C Web Annotation TextQuoteSelector: the exact text of a
// passage with the text immediately before (Prefix) and after (Suffix) it,
// which tell apart the passages that read the same.
type TextQuote struct {
	Exact  string `json:"exact"`
	Prefix string `json:"prefix"`
	Suffix string `json:"suffix"`
}

// Anchor is a TextQuote found in a text: the quote and its context as they
// read there, and where the quote starts and ends, in characters (Unicode
// code points, as PostgreSQL's char_length counts them).
type Anchor struct {
	TextQuote
	Start int `json:"start"`
	End   int `json:"end"`
}

// Limits of a quote, in characters. ContextLen is how much context an
// anchor keeps on each side when the quote came with less, so that the
// stored selector tells its passage apart from most look-alikes.
const (
	MaxQuoteLen   = 2000
	MaxContextLen = 256
	ContextLen    = 32
)

// AnchorQuote finds q in text. Runs of whitespace count as one space on
// both sides, and a quote's own leading and trailing whitespace is
// ignored, since a passage copied from a rendered page rarely keeps the
// line breaks of the extracted text. When q has a prefix or a suffix, the
// passage is the first occurrence of Exact preceded by Prefix and followed
// by Suffix (each up to whitespace); without either, it is the first
// occurrence. The anchor reads exact, prefix and suffix from text itself,
// keeping at least ContextLen characters of context on each side. ok is
// false when there is no such passage.
func AnchorQuote(text string, q TextQuote) (a Anchor, ok bool) {
	exact := strings.TrimSpace(collapseSpace(q.Exact))
	if exact == "" {
		return Anchor{}, false
	}
	prefix := strings.TrimSpace(collapseSpace(q.Prefix))
	suffix := strings.TrimSpace(collapseSpace(q.Suffix))
	src := []rune(text)
	norm, origin := normalizeText(src)
	for from := 0; from <= len(norm); {
		i := strings.Index(norm[from:], exact)
		if i < 0 {
			return Anchor{}, false
		}
		start, end := from+i, from+i+len(exact)
		if strings.HasSuffix(strings.TrimRight(norm[:start], " "), prefix) &&
			strings.HasPrefix(strings.TrimLeft(norm[end:], " "), suffix) {
			_, last := utf8.DecodeLastRuneInString(exact)
			a.Start, a.End = origin[start], origin[end-last]+1
			before := max(ContextLen, min(utf8.RuneCountInString(q.Prefix), MaxContextLen))
			after := max(ContextLen, min(utf8.RuneCountInString(q.Suffix), MaxContextLen))
			a.Exact = string(src[a.Start:a.End])
			a.Prefix = string(src[max(0, a.Start-before):a.Start])
			a.Suffix = string(src[a.End:min(len(src), a.End+after)])
			return a, true
		}
		_, size := utf8.DecodeRuneInString(norm[start:])
		from = start + size
	}
	return Anchor{}, false
}

// collapseSpace replaces each run of whitespace in s with one space.
func collapseSpace(s string) string {
	norm, _ := normalizeText([]rune(s))
	return norm
}

// normalizeText is src with each run of whitespace made one space, and,
// for each byte of the result, the index in src of the character it came
// from.
func normalizeText(src []rune) (string, []int) {
	var b strings.Builder
	b.Grow(len(src))
	origin := make([]int, 0, len(src))
	space := false
	for i, r := range src {
		if unicode.IsSpace(r) {
			if space {
				continue
			}
			space, r = true, ' '
		} else {
			space = false
		}
		n, _ := b.WriteRune(r)
		for range n {
			origin = append(origin, i)
		}
	}
	return b.String(), origin
}
