package models

// RubricV1 is rubric version 1 as DOMAIN.md sets it out (keys, order and
// weights), shared with the external tests that check the migrated rubric.
var RubricV1 = rubricV1
