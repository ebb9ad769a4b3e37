package frontend

import "embed"

// FS holds templates/*.html, static/* and the message catalogs i18n/*.json.
//
//go:embed templates/*.html static i18n/*.json
var FS embed.FS
