package latency

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var xs []time.Duration
	for i := 100; i >= 1; i-- {
		xs = append(xs, time.Duration(i))
	}
	for p, want := range map[int]time.Duration{50: 50, 99: 99, 100: 100, 1: 1} {
		if got := Percentile(xs, p); got != want {
			t.Errorf("Percentile(100..1, %d) = %d, want %d", p, got, want)
		}
	}
	if xs[0] != 100 {
		t.Error("Percentile reordered its argument")
	}
	if Percentile(nil, 50) != 0 || Percentile(xs[:1], 99) != 100 {
		t.Error("Percentile of none or one")
	}
}
