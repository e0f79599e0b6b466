package privacy

import "testing"

func TestMaskNIK(t *testing.T) {
	cases := map[string]string{
		"3204121505900001":      "320412********01",
		"":                      "",
		"12345":                 "*****",
		"32041215059000011234x": "****************",
	}
	for in, want := range cases {
		if got := MaskNIK(in); got != want {
			t.Errorf("MaskNIK(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskNIKNeverContainsBirthDate(t *testing.T) {
	got := MaskNIK("3204121505900001")
	for _, part := range []string{"150590", "0000"} {
		if containsRun(got, part) {
			t.Fatalf("masked NIK %q still contains %q", got, part)
		}
	}
}

func containsRun(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestMaskName(t *testing.T) {
	cases := map[string]string{
		"Budi Santoso":     "B*** S******",
		"Siti":             "S***",
		"":                 "",
		"  Dewi  Lestari ": "  D***  L****** ",
		"Ñoman Ayu":        "Ñ**** A**",
	}
	for in, want := range cases {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskText(t *testing.T) {
	got := MaskText("features of 3204121505900001: family 3204120101100001 moved; code 12345")
	if got != "features of 320412********01: family 320412********01 moved; code 12345" {
		t.Errorf("MaskText = %q", got)
	}
}
