// Package frontend holds the embedded page templates and static assets
// (CSS, self-hosted, no external requests). Handlers parse and serve them.
//
// It imports only embed and must not import any other heard package.
package frontend
