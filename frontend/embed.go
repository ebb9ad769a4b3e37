package frontend

import "embed"

// FS holds templates/*.html and static/*.
//
//go:embed templates/*.html static
var FS embed.FS
