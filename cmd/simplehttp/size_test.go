package main

import "testing"

func TestParseSize(t *testing.T) {
	good := []struct {
		in   string
		want int64
	}{
		{"1", 1},
		{"4096", 4096},
		{"500K", 500 << 10},
		{"500k", 500 << 10},
		{"500KB", 500 << 10},
		{"500KiB", 500 << 10},
		{"1M", 1 << 20},
		{"2G", 2 << 30},
		{"3T", 3 << 40},
		{"7b", 7},
	}
	for _, tc := range good {
		got, err := parseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
		b := byteSize(got)
		if back, err := parseSize(b.String()); err != nil || back != got {
			t.Errorf("byteSize(%d).String() = %q, which reads back as %d, %v", got, b.String(), back, err)
		}
	}
	for _, in := range []string{"", "K", "-1", "0", "0M", "1.5M", "1X", "1 M B", "9223372036854775807K", "99999999999999999999"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
}
