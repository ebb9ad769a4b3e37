package models

import "strings"

// qualify prefixes each bare column of a column list with table, so that the
// list can be used in an UPDATE … FROM whose tables share column names.
func qualify(table, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if strings.HasPrefix(p, "extract(epoch FROM ") {
			p = strings.Replace(p, "extract(epoch FROM ", "extract(epoch FROM "+table+".", 1)
		} else {
			p = table + "." + p
		}
		parts[i] = p
	}
	return strings.Join(parts, ", ")
}
