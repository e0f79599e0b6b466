package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

func TestParseSessionKey(t *testing.T) {
	key := bytes.Repeat([]byte{0xab}, 32)
	for _, s := range []string{hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key), " " + hex.EncodeToString(key) + "\n"} {
		got, err := parseSessionKey(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("parseSessionKey(%q) = %x, %v", s, got, err)
		}
	}
	if got, err := parseSessionKey(""); got != nil || err != nil {
		t.Errorf("empty: %x, %v", got, err)
	}
	for _, s := range []string{hex.EncodeToString(key[:31]), "not a key!", base64.StdEncoding.EncodeToString(key[:20])} {
		if _, err := parseSessionKey(s); err == nil {
			t.Errorf("parseSessionKey(%q) accepted", s)
		}
	}
}
