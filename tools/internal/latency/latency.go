// Package latency holds what loadbench's own clients (putclient,
// rateclient) share to report the latencies they measured.
package latency

import (
	"slices"
	"time"
)

// Percentile is the p-th percentile of xs (nearest rank), 0 for none; xs
// is left as it is.
func Percentile(xs []time.Duration, p int) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	k := (len(s)*p + 99) / 100
	return s[max(k-1, 0)]
}
