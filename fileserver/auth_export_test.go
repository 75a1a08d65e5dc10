package fileserver

import (
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/bcrypt"
)

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

// BcryptCosts makes a record the cost of the hash of each bcrypt
// comparison it runs; the returned function reports them.
func BcryptCosts(a *BasicAuth) func() []int {
	var mu sync.Mutex
	var costs []int
	compare := a.compare
	a.compare = func(hash, password []byte) error {
		cost, err := bcrypt.Cost(hash)
		if err != nil {
			cost = -1
		}
		mu.Lock()
		costs = append(costs, cost)
		mu.Unlock()
		return compare(hash, password)
	}
	return func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(costs)
	}
}
