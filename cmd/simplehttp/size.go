package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// byteSize is a flag value of a number of bytes, written as a whole
// number with an optional unit: "4096", "500K", "1M", "2G", "1T". The
// units are binary (1K is 1024 bytes), as in the sizes of ls -h, dd and
// nginx; "KB", "KiB" and lower case are taken as the same unit. Zero and
// negative sizes are refused: a limit of nothing is never what was meant.
type byteSize int64

var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40,
}

// parseSize reads a byteSize.
func parseSize(s string) (int64, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("invalid size %q: want a whole number with an optional unit K, M, G or T (such as 500K, 1M, 2G)", s)
	}
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		return 0, fmt.Errorf("invalid size %q: want a whole number with an optional unit K, M, G or T (such as 1536M for 1.5G)", s)
	}
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(s[i:]))]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q: want K, M, G or T (such as 500K, 1M, 2G)", s, s[i:])
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || n > math.MaxInt64/unit {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	if n == 0 {
		return 0, errors.New("invalid size \"" + s + "\": must be more than zero")
	}
	return n * unit, nil
}

func (b *byteSize) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

// String writes the size in the largest unit that divides it.
func (b *byteSize) String() string {
	n := int64(*b)
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func (b *byteSize) Type() string { return "SIZE" }
