package models_test

import (
	"errors"
	"strings"
	"testing"

	"heard/models"
)

func TestPasswordHash(t *testing.T) {
	hash, err := models.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Count(hash, "$") != 5 {
		t.Fatalf("hash %q is not an argon2id PHC string with OWASP parameters", hash)
	}
	if again, _ := models.HashPassword("correct horse battery"); again == hash {
		t.Error("two hashes of one password are equal: no salt")
	}
	if ok, err := models.VerifyPassword("correct horse battery", hash); !ok || err != nil {
		t.Errorf("right password: %v, %v", ok, err)
	}
	if ok, err := models.VerifyPassword("correct horse batterY", hash); ok || err != nil {
		t.Errorf("wrong password: %v, %v", ok, err)
	}
	parts := strings.Split(hash, "$")
	flip := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	tampered := map[string]string{
		"key":     strings.Join(append(parts[:5:5], flip(parts[5])), "$"),
		"salt":    strings.Join(append(append(parts[:4:4], flip(parts[4])), parts[5]), "$"),
		"time":    strings.Replace(hash, "t=2", "t=3", 1),
		"memory":  strings.Replace(hash, "m=19456", "m=19457", 1),
		"version": strings.Replace(hash, "v=19", "v=16", 1),
	}
	for name, h := range tampered {
		if ok, _ := models.VerifyPassword("correct horse battery", h); ok {
			t.Errorf("tampered %s still verifies: %s", name, h)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=x,t=2,p=1$AAAA$BBBB",
		strings.Replace(hash, "t=2", "t=0", 1), hash + "$extra"} {
		if ok, err := models.VerifyPassword("x", bad); ok || !errors.Is(err, models.ErrBadHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want ErrBadHash", bad, ok, err)
		}
	}
}
