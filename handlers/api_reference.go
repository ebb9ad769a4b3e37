package handlers

import (
	"cmp"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// apiGroup is a tag of openapi.yaml with its operations, as the /data page
// lists them.
type apiGroup struct {
	// Name is the tag; Title is how the page heads it.
	Name, Title string
	Description string
	Operations  []apiOperation
}

// apiOperation is one operation of openapi.yaml.
type apiOperation struct {
	ID          string
	Method      string
	Path        string
	Summary     string
	Description template.HTML
	Parameters  []apiParameter
	Responses   []apiResponse
}

type apiParameter struct {
	Name, In, Type string
	Required       bool
	Description    template.HTML
}

type apiResponse struct {
	Code        string
	Description template.HTML
}

// apiRef is the API reference, built from the embedded openapi.yaml when
// the program starts: the page cannot drift from the contract the tests
// hold the API to.
var apiRef, apiRefErr = parseAPIReference(openAPISpec)

// apiReference is the template function giving the /data page the API
// reference; a spec that failed to load fails the page rather than
// showing an incomplete contract.
func apiReference() ([]apiGroup, error) { return apiRef, apiRefErr }

// parseAPIReference reads an OpenAPI document into its operations, grouped
// by their first tag in the document's tag order, each group in path order.
func parseAPIReference(spec []byte) ([]apiGroup, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	groups := []apiGroup{}
	index := map[string]int{}
	for _, t := range doc.Tags {
		index[t.Name] = len(groups)
		groups = append(groups, apiGroup{Name: t.Name, Title: tagTitle(t.Name), Description: t.Description})
	}
	paths := doc.Paths.Map()
	keys := make([]string, 0, len(paths))
	for p := range paths {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	for _, p := range keys {
		item := paths[p]
		ops := item.Operations()
		methods := make([]string, 0, len(ops))
		for m := range ops {
			methods = append(methods, m)
		}
		slices.Sort(methods)
		for _, m := range methods {
			op := ops[m]
			o := apiOperation{ID: op.OperationID, Method: m, Path: p, Summary: op.Summary,
				Description: specText(op.Description)}
			if o.ID == "" {
				o.ID = strings.ToLower(m) + strings.NewReplacer("/", "-", "{", "", "}", "", ".", "-").Replace(p)
			}
			// Parameters of the path item apply to each of its operations.
			for _, pr := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if pr == nil || pr.Value == nil {
					continue
				}
				v := pr.Value
				ap := apiParameter{Name: v.Name, In: v.In, Required: v.Required, Description: specText(v.Description)}
				if v.Schema != nil && v.Schema.Value != nil && v.Schema.Value.Type != nil {
					ap.Type = strings.Join(v.Schema.Value.Type.Slice(), ", ")
				}
				o.Parameters = append(o.Parameters, ap)
			}
			if op.Responses != nil {
				for code, r := range op.Responses.Map() {
					desc := ""
					if r != nil && r.Value != nil && r.Value.Description != nil {
						desc = *r.Value.Description
					}
					o.Responses = append(o.Responses, apiResponse{Code: code, Description: specText(desc)})
				}
				slices.SortFunc(o.Responses, func(a, b apiResponse) int { return cmp.Compare(a.Code, b.Code) })
			}
			tag := ""
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			i, ok := index[tag]
			if !ok {
				index[tag] = len(groups)
				i = len(groups)
				groups = append(groups, apiGroup{Name: cmp.Or(tag, "other"), Title: tagTitle(cmp.Or(tag, "other"))})
			}
			groups[i].Operations = append(groups[i].Operations, o)
		}
	}
	return slices.DeleteFunc(groups, func(g apiGroup) bool { return len(g.Operations) == 0 }), nil
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// specText renders a description of the spec as one run of text: escaped
// first, then its `code` spans marked up as <code>.
func specText(s string) template.HTML {
	escaped := html.EscapeString(strings.Join(strings.Fields(s), " "))
	return template.HTML(codeSpan.ReplaceAllString(escaped, "<code>$1</code>"))
}

// tagTitle capitalizes a tag for a heading: "jurisdictions" → "Jurisdictions".
func tagTitle(tag string) string {
	if tag == "" {
		return ""
	}
	return strings.ToUpper(tag[:1]) + tag[1:]
}
