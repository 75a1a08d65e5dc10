package fileserver

import "sync/atomic"

// Hooks of the BasicAuth tests.

// CountBcrypt makes a count each bcrypt comparison it runs, in the
// returned counter.
func CountBcrypt(a *BasicAuth) *atomic.Int64 {
	n := new(atomic.Int64)
	compare := a.compare
	a.compare = func(hash, password []byte) error {
		n.Add(1)
		return compare(hash, password)
	}
	return n
}

// FailureTableSize is the number of clients whose failures a keeps.
func FailureTableSize(a *BasicAuth) int { return a.limits.size() }

// ClientOf is the key of a client address in the failure table.
var ClientOf = clientOf

// HoldBcrypt makes each bcrypt comparison of a signal entered and then
// wait until release is closed.
func HoldBcrypt(a *BasicAuth) (entered <-chan struct{}, release chan<- struct{}) {
	in, out := make(chan struct{}, 100), make(chan struct{})
	compare := a.compare
	a.compare = func(hash, password []byte) error {
		in <- struct{}{}
		<-out
		return compare(hash, password)
	}
	return in, out
}

// SetCheckSlots gives a n slots for bcrypt comparisons at once.
func SetCheckSlots(a *BasicAuth, n int) { a.slots = make(chan struct{}, n) }

// CheckWaiting is the number of requests of a waiting for a slot.
func CheckWaiting(a *BasicAuth) int64 { return a.waiting.Load() }
