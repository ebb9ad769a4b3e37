package models

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/lib/pq"
)

// Errors the store returns; handlers map them to HTTP statuses.
var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a write collided with a uniqueness rule.
	ErrConflict = errors.New("conflict")
)

// ValidationError names the fields of an input that were refused.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	msg := "invalid input:"
	for _, k := range keys {
		msg += fmt.Sprintf(" %s: %s;", k, e.Fields[k])
	}
	return msg
}

// StringList is a text[] column that scans from PostgreSQL arrays and
// always marshals to a JSON array, never null.
type StringList []string

// Scan implements sql.Scanner.
func (l *StringList) Scan(src any) error {
	var a pq.StringArray
	if err := a.Scan(src); err != nil {
		return err
	}
	*l = StringList(a)
	if *l == nil {
		*l = StringList{}
	}
	return nil
}

// Value implements driver.Valuer.
func (l StringList) Value() (driver.Value, error) {
	if l == nil {
		return "{}", nil
	}
	return pq.StringArray(l).Value()
}

// MarshalJSON writes an empty list as [] rather than null.
func (l StringList) MarshalJSON() ([]byte, error) {
	if l == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]string(l))
}

// Has reports whether s is in the list.
func (l StringList) Has(s string) bool { return slices.Contains(l, s) }

// Int64List is a bigint[] column that marshals to a JSON array, never null.
type Int64List []int64

// Scan implements sql.Scanner.
func (l *Int64List) Scan(src any) error {
	var a pq.Int64Array
	if err := a.Scan(src); err != nil {
		return err
	}
	*l = Int64List(a)
	if *l == nil {
		*l = Int64List{}
	}
	return nil
}

// Value implements driver.Valuer.
func (l Int64List) Value() (driver.Value, error) {
	if l == nil {
		return "{}", nil
	}
	return pq.Int64Array(l).Value()
}

// MarshalJSON writes an empty list as [] rather than null.
func (l Int64List) MarshalJSON() ([]byte, error) {
	if l == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]int64(l))
}

// JSONMap is a jsonb column holding an object of strings, such as the rule
// that produced each extracted field.
type JSONMap map[string]string

// Scan implements sql.Scanner.
func (m *JSONMap) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	case nil:
		*m = JSONMap{}
		return nil
	default:
		return fmt.Errorf("JSONMap: cannot scan %T", src)
	}
	out := JSONMap{}
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("JSONMap: %w", err)
	}
	*m = out
	return nil
}

// Value implements driver.Valuer.
func (m JSONMap) Value() (driver.Value, error) {
	if m == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(map[string]string(m))
}
