package frontend

import "embed"

// FS holds templates/*.html (the staff workspace in templates/staff), static/*
// and the message catalogs i18n/*.json.
//
//go:embed templates/*.html templates/staff/*.html static i18n/*.json
var FS embed.FS
