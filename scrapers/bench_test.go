package scrapers

import (
	"testing"
)

// BenchmarkParseExtract measures parse + extract throughput per document
// kind over the fixture corpus: each iteration reads every document of the
// kind and extracts its items. PDFs include the pdftotext process, which
// dominates their figure.
func BenchmarkParseExtract(b *testing.B) {
	m := readCorpusManifest(b)
	for _, kind := range []string{"html", "rss", "atom", "ical", "pdf"} {
		type doc struct {
			d    corpusDoc
			body []byte
		}
		var docs []doc
		size := 0
		for _, d := range m.Documents {
			if d.Kind == kind {
				body := readTestdata(b, d.File)
				docs = append(docs, doc{d, body})
				size += len(body)
			}
		}
		if len(docs) == 0 {
			continue
		}
		b.Run(kind, func(b *testing.B) {
			if kind == "pdf" {
				requirePDFTool(b)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			items := 0
			for b.Loop() {
				for _, d := range docs {
					parsed, err := parseCorpusDoc(d.d, d.body)
					if err != nil {
						b.Fatal(err)
					}
					for _, it := range parsed {
						if _, ok := Extract(it, d.d.Jurisdiction, corpusNow); ok {
							items++
						}
					}
				}
			}
			b.ReportMetric(float64(len(docs)), "docs/op")
		})
	}
}
